namespace Shoal.Engines.InProcess;

/// <summary>
/// Bounded memory for a durable partition. Only the newest <c>hotSegments</c> segments are hot (their events in
/// memory); a full segment below them whose events are all durable goes cold: memory keeps its base offset, count,
/// first record's journal address, payload bytes, last append time and count of de-duplicated ids, and drops the
/// events. A reader that reaches a cold segment reads it back from the journal (<see cref="IPartitionJournal.Read"/>,
/// decoded by <see cref="EventRecordCodec"/>) outside the partition's lock, so appends go on meanwhile; the
/// <c>cachedSegments</c> most recently read back are kept. Retention and journal truncation need only each event's
/// append time, payload length and address: a cold segment they trim part-way is skimmed for those
/// (<see cref="IPartitionJournal.Skim"/>, under the lock, no strings decoded) and keeps them until trimmed away, so
/// trimming stays exact and the records below the new start are never read again (the journal may have discarded
/// them). The in-memory engine (no journal) never cools.
/// </summary>
internal sealed partial class PartitionLog
{
    /// <summary>Hot segments per durable partition: 16 × 512 events.</summary>
    public const int DefaultHotSegments = 16;

    /// <summary>Cold segments read back and kept per durable partition.</summary>
    public const int DefaultCachedSegments = 4;

    /// <summary>Events whose envelopes memory currently holds: hot segments and cold ones read back (for tests).</summary>
    internal long LoadedEvents
    {
        get
        {
            lock (_gate)
            {
                long events = 0;
                foreach (var segment in _segments)
                {
                    events += segment.IsLoaded ? segment.Count : 0;
                }

                return events;
            }
        }
    }

    /// <summary>Cools the oldest hot segments beyond the window that are full and durable (with a journal only).</summary>
    private void CoolDurableSegments()
    {
        if (_journal is null)
        {
            return;
        }

        while (_hot > _hotSegments && _segments.Count > 0)
        {
            var from = Math.Max(_coolFrom, _segments[0].BaseOffset);
            if (from >= _end)
            {
                return;
            }

            var segment = _segments[SegmentIndex(from)];
            var next = segment.BaseOffset + segment.Count;
            if (segment.Count < _segmentSize || next > _visibleEnd)
            {
                return;
            }

            _coolFrom = next;
            if (!segment.IsCold && _start <= segment.BaseOffset)
            {
                segment.IsCold = true;
                Drop(segment);
                _hot--;
            }
        }
    }

    /// <summary>The segment with its events in memory: a cold one is read back from the journal (under the lock) and cached.</summary>
    private Segment Loaded(Segment segment)
    {
        if (!segment.IsLoaded)
        {
            var readBack = PlanReadBack(segment);
            readBack.Run(_journal!, _partition);
            Install(readBack);
        }

        return segment;
    }

    /// <summary>What to read back for a cold segment (called under the lock): from the first event not trimmed.</summary>
    private ReadBack PlanReadBack(Segment segment)
    {
        // Only a skimmed segment (see Skimmed) can be trimmed part-way; the records below the start may be gone.
        var first = segment.PayloadLengths is not null && _start > segment.BaseOffset ? (int)(_start - segment.BaseOffset) : 0;
        return new ReadBack(segment, first, first == 0 ? segment.FirstAddress : segment.Addresses![first], UntilAddress(segment));
    }

    /// <summary>
    /// Puts a segment read back into memory and the cache (called under the lock), unless another reader did so
    /// meanwhile or the segment was trimmed away.
    /// </summary>
    private void Install(ReadBack readBack)
    {
        var segment = readBack.Segment;
        if (segment.IsLoaded || _start >= segment.BaseOffset + segment.Count)
        {
            return;
        }

        // Trimmed while it was read: clear those slots, as trimming does.
        var trimmed = _start - segment.BaseOffset;
        if (trimmed > readBack.First)
        {
            readBack.Events.AsSpan(readBack.First, (int)trimmed - readBack.First).Clear();
        }

        segment.Events = readBack.Events;
        if (segment.PayloadLengths is null)
        {
            segment.AppendTicks = readBack.AppendTicks;
            segment.Addresses = readBack.Addresses;
        }

        _loaded.Enqueue(segment);
        while (_loaded.Count > _cachedSegments)
        {
            var oldest = _loaded.Dequeue();
            if (oldest.IsCold && oldest != segment)
            {
                Drop(oldest);
            }
        }
    }

    /// <summary>
    /// The segment with each event's append time, journal address and payload length at hand (see
    /// <see cref="PayloadLength"/>): a hot segment has them; a cold one gets them from its events if read back, else by
    /// skimming its records, and keeps them until it is trimmed away. Called under the lock before a cold segment is
    /// trimmed part-way.
    /// </summary>
    private Segment Skimmed(Segment segment)
    {
        if (!segment.IsCold || segment.PayloadLengths is not null)
        {
            return segment;
        }

        var lengths = new int[segment.Count];
        if (segment.IsLoaded)
        {
            for (var i = 0; i < lengths.Length; i++)
            {
                lengths[i] = segment.Events[i].Payload.Length;
            }
        }
        else
        {
            var appendTicks = new long[segment.Count];
            var addresses = new long[segment.Count];
            var read = 0;
            _journal!.Skim(segment.FirstAddress, UntilAddress(segment), segment.Count, (offset, ticks, length, address) =>
            {
                ExpectOffset(_partition, segment.BaseOffset + read, offset, address);
                appendTicks[read] = ticks;
                addresses[read] = address;
                lengths[read] = length;
                read++;
            });
            segment.AppendTicks = appendTicks;
            segment.Addresses = addresses;
        }

        segment.PayloadLengths = lengths;
        return segment;
    }

    /// <summary>An event's payload length, from a hot or read-back segment's events or a skimmed one's lengths.</summary>
    private static int PayloadLength(Segment segment, int index) => segment.PayloadLengths?[index] ?? segment.Events[index].Payload.Length;

    /// <summary>The address just past a segment's last record: the next segment's first, or the journal's tail.</summary>
    private long UntilAddress(Segment segment)
    {
        var index = SegmentIndex(segment.BaseOffset);
        return index + 1 < _segments.Count ? _segments[index + 1].FirstAddress : _journal!.TailAddress;
    }

    private static void ExpectOffset(int partition, long expected, long found, long address)
    {
        if (found != expected)
        {
            throw new IOException($"reading back partition {partition} at journal address {address}: found offset {found} where {expected} was expected");
        }
    }

    /// <summary>Drops a cold segment's events (a skimmed segment keeps its append times, addresses and lengths).</summary>
    private static void Drop(Segment segment)
    {
        segment.Events = [];
        if (segment.PayloadLengths is null)
        {
            segment.AppendTicks = [];
            segment.Addresses = null;
        }
    }

    /// <summary>
    /// A cold segment's events from <see cref="First"/> on, read back from the journal by <see cref="Run"/> without the
    /// partition's lock (into its own arrays and payload slabs) and then installed under it.
    /// </summary>
    private sealed class ReadBack(Segment segment, int first, long address, long until)
    {
        public Segment Segment => segment;

        public int First => first;

        public EventEnvelope[] Events { get; } = new EventEnvelope[segment.Count];

        public long[] AppendTicks { get; } = new long[segment.Count];

        public long[] Addresses { get; } = new long[segment.Count];

        public void Run(IPartitionJournal journal, int partition)
        {
            var slabs = new PayloadSlabs();
            var read = first;
            journal.Read(address, until, Events.Length - first, (in EventEnvelope e, long ticks, long at) =>
            {
                ExpectOffset(partition, segment.BaseOffset + read, e.Offset, at);
                Events[read] = e with { Payload = slabs.Copy(e.Payload.Span) };
                AppendTicks[read] = ticks;
                Addresses[read] = at;
                read++;
            });
        }
    }
}
