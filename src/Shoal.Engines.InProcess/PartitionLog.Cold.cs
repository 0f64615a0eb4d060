namespace Shoal.Engines.InProcess;

/// <summary>
/// Bounded memory for a durable partition. Only the newest <c>hotSegments</c> segments are hot (their events in
/// memory); a full segment below them whose events are all durable goes cold: memory keeps its base offset, count,
/// first record's journal address, payload bytes, last append time and count of de-duplicated ids, and drops the
/// events. A cold segment is read back from the journal (<see cref="IPartitionJournal.Read"/>, decoded by
/// <see cref="EventRecordCodec"/>) when a reader, retention or recovery's de-duplication asks for its events; the
/// <c>cachedSegments</c> most recently read back are kept. A partially trimmed segment is hot again (pinned) until
/// trimmed away, so trimming and journal truncation stay exact. The in-memory engine (no journal) never cools.
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

    /// <summary>The segment with its events in memory: a cold one is read back from the journal and cached.</summary>
    private Segment Loaded(Segment segment)
    {
        if (segment.IsLoaded)
        {
            return segment;
        }

        var events = new EventEnvelope[segment.Count];
        var appendTicks = new long[segment.Count];
        var addresses = new long[segment.Count];
        var read = 0;
        var index = SegmentIndex(segment.BaseOffset);
        var until = index + 1 < _segments.Count ? _segments[index + 1].FirstAddress : _journal!.TailAddress;
        _journal!.Read(segment.FirstAddress, until, segment.Count, (in EventEnvelope e, long ticks, long address) =>
        {
            if (e.Offset != segment.BaseOffset + read)
            {
                throw new IOException($"reading back partition {_partition} at journal address {address}: found offset {e.Offset} where {segment.BaseOffset + read} was expected");
            }

            events[read] = e with { Payload = CopyPayload(e.Payload.Span) };
            appendTicks[read] = ticks;
            addresses[read] = address;
            read++;
        });
        segment.Events = events;
        segment.AppendTicks = appendTicks;
        segment.Addresses = addresses;
        _loaded.Enqueue(segment);
        while (_loaded.Count > _cachedSegments)
        {
            var oldest = _loaded.Dequeue();
            if (oldest.IsCold && oldest != segment)
            {
                Drop(oldest);
            }
        }

        return segment;
    }

    /// <summary>Makes a segment hot (its events in memory until it is trimmed away), before it is partially trimmed.</summary>
    private Segment Pinned(Segment segment)
    {
        Loaded(segment);
        if (segment.IsCold)
        {
            segment.IsCold = false;
            _hot++;
        }

        return segment;
    }

    private static void Drop(Segment segment)
    {
        segment.Events = [];
        segment.AppendTicks = [];
        segment.Addresses = null;
    }
}
