using Shoal.Engine;
using Shoal.Threading;

namespace Shoal.Engines.InProcess;

/// <summary>
/// One partition: an append-only sequence of events with dense offsets from 0, kept in segments of
/// <c>2^segmentShift</c> events so retention releases memory a segment at a time. One lock guards it;
/// readers that find nothing wait on a shared signal that the next append completes.
/// </summary>
/// <remarks>
/// Trimming is exact: the start offset moves to the first retained event, trimmed slots are cleared at once (so
/// their payloads can be collected), and a segment array is released when every event in it is trimmed.
/// A partition's first segment grows by doubling from 16 slots, so a partition with few events stays small; once it has
/// filled a segment, later segments are allocated at full size (doubling would copy each event about once more), and
/// without a journal the arrays of the last full segment that trimming released are reused for the next one.
/// With a journal, memory holds only the newest segments (see <c>PartitionLog.Cold.cs</c>): older ones, already
/// durable, keep their first record's journal address and are read back from the journal when asked for.
/// </remarks>
internal sealed partial class PartitionLog
{
    /// <summary>
    /// 512 events per segment: an array of 512 envelopes stays below the 85,000-byte large-object threshold,
    /// so segments are ordinary gen0 allocations (large-object allocations trigger full collections).
    /// </summary>
    public const int DefaultSegmentShift = 9;

    private const int SlabSize = 64 * 1024;

    private const int InitialSegmentCapacity = 16;

    private readonly Lock _gate = new();
    private readonly List<Segment> _segments = [];
    private readonly int _partition;
    private readonly int _segmentShift;
    private readonly int _segmentSize;
    private long _start;
    private long _end;
    private long _bytes;
    private long _lastAppendTicks;
    private long _visibleEnd;
    private long _lastAddress;
    private TaskCompletionSource? _waiter;
    private readonly PayloadSlabs _payloads = new();
    private bool _disposed;

    private readonly IPartitionJournal? _journal;
    private readonly int _hotSegments;
    private readonly int _cachedSegments;
    private readonly Queue<Segment> _loaded = new();
    private int _hot;
    private long _coolFrom;

    /// <summary>Set once a segment was filled: from then on new segments start at full size.</summary>
    private bool _filledSegment;

    /// <summary>The arrays of a full segment released by trimming, reused by the next one (see <see cref="KeepSpare"/>).</summary>
    private (EventEnvelope[] Events, long[] AppendTicks)? _spare;

    /// <param name="partition">The partition's number.</param>
    /// <param name="segmentShift">Events per segment as a power of two.</param>
    /// <param name="journal">
    /// Where appended events are also written (the durable engine), or null to keep them in memory only. With a
    /// journal, appended events become readable only once <see cref="FlushAsync"/> has made them durable.
    /// </param>
    /// <param name="hotSegments">With a journal, the newest segments kept in memory; older durable ones go cold.</param>
    /// <param name="cachedSegments">With a journal, the cold segments read back that are kept (the most recently read).</param>
    public PartitionLog(
        int partition, int segmentShift = DefaultSegmentShift, IPartitionJournal? journal = null,
        int hotSegments = DefaultHotSegments, int cachedSegments = DefaultCachedSegments)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hotSegments, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(cachedSegments, 1);
        _partition = partition;
        _segmentShift = segmentShift;
        _segmentSize = 1 << segmentShift;
        _journal = journal;
        _hotSegments = hotSegments;
        _cachedSegments = cachedSegments;
    }

    /// <summary>The partition's number.</summary>
    public int Number => _partition;

    /// <summary>Events currently held, from the start offset to the end offset (readable or not yet).</summary>
    public long HeldEvents
    {
        get
        {
            lock (_gate)
            {
                return _end - _start;
            }
        }
    }

    /// <summary>True when appends are also written to a journal on disk.</summary>
    public bool IsDurable => _journal is not null;

    public PartitionOffsets Offsets
    {
        get
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                return new PartitionOffsets(Math.Min(_start, _visibleEnd), _visibleEnd);
            }
        }
    }

    /// <summary>Segments currently held (for tests of retention).</summary>
    internal int SegmentCount
    {
        get
        {
            lock (_gate)
            {
                return _segments.Count;
            }
        }
    }

    /// <summary>Payload bytes currently retained (for tests of retention).</summary>
    internal long RetainedBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>
    /// Copies up to <paramref name="destination"/>.Length events from <paramref name="fromOffset"/> (or the start
    /// offset, if later). When none is available, returns 0 and the task that the next append completes.
    /// </summary>
    /// <remarks>
    /// A cold segment (see <c>PartitionLog.Cold.cs</c>) is read back from the journal without holding the lock, so
    /// appends and readers of recent events go on meanwhile; its events are installed under the lock if the segment is
    /// still there. Events before it are returned first.
    /// </remarks>
    public int TryRead(long fromOffset, Span<EventEnvelope> destination, out Task? wait)
    {
        ReadBack? readBack = null;
        while (true)
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                if (readBack is not null)
                {
                    Install(readBack);
                }

                var from = Math.Max(fromOffset, _start);
                if (from >= _visibleEnd)
                {
                    wait = (_waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                    return 0;
                }

                wait = null;
                var count = (int)Math.Min(destination.Length, _visibleEnd - from);
                var copied = 0;
                var index = SegmentIndex(from);
                var within = (int)(from - _segments[index].BaseOffset);
                readBack = null;
                while (copied < count)
                {
                    var segment = _segments[index];
                    if (!segment.IsLoaded)
                    {
                        if (copied > 0)
                        {
                            return copied;
                        }

                        readBack = PlanReadBack(segment);
                        break;
                    }

                    var chunk = Math.Min(count - copied, segment.Count - within);
                    segment.Events.AsSpan(within, chunk).CopyTo(destination[copied..]);
                    copied += chunk;
                    index++;
                    within = 0;
                }

                if (readBack is null)
                {
                    return count;
                }
            }

            try
            {
                readBack.Run(_journal!, _partition);
            }
            catch (IOException) when (TrimmedPast(readBack))
            {
                // Retention trimmed what was being read (the journal may have discarded it): read from the new start.
                readBack = null;
            }
        }
    }

    private bool TrimmedPast(ReadBack readBack)
    {
        lock (_gate)
        {
            return _start > readBack.Segment.BaseOffset + readBack.First;
        }
    }

    public async ValueTask<int> ReadSlowAsync(long fromOffset, Memory<EventEnvelope> destination, Task wait, CancellationToken cancellationToken)
    {
        while (true)
        {
            await wait.WaitSignalAsync(cancellationToken);
            var count = TryRead(fromOffset, destination.Span, out var next);
            if (count > 0)
            {
                return count;
            }

            wait = next!;
        }
    }

    /// <summary>Wakes every waiting reader with <see cref="ObjectDisposedException"/>; later calls throw it.</summary>
    public void Dispose()
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            _disposed = true;
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetException(new ObjectDisposedException(nameof(PartitionLog)));
    }

    private int SegmentIndex(long offset) => (int)((offset - _segments[0].BaseOffset) >> _segmentShift);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>A new full-size segment at <paramref name="baseOffset"/>, on the spare arrays if there are some.</summary>
    private Segment NewFullSegment(long baseOffset)
    {
        if (_spare is { } spare)
        {
            _spare = null;
            return new Segment(baseOffset, spare.Events, spare.AppendTicks);
        }

        return new Segment(baseOffset, _segmentSize);
    }

    /// <summary>
    /// Keeps the arrays of a full hot segment that trimming released, for the next segment (at most one pair per
    /// partition). Only without a journal: every reader of such a partition copies events out under the lock, so once
    /// the segment has left the list nobody holds its arrays; with a journal, recovery reads segment arrays outside it.
    /// </summary>
    private void KeepSpare(Segment segment)
    {
        if (_journal is not null || _spare is not null || segment.IsCold || segment.Events.Length != _segmentSize)
        {
            return;
        }

        // Cleared so the trimmed events' payloads and ids can be collected; append times are plain numbers.
        segment.Events.AsSpan().Clear();
        _spare = (segment.Events, segment.AppendTicks);
    }

    private sealed class Segment(long baseOffset, EventEnvelope[] events, long[] appendTicks)
    {
        public Segment(long baseOffset, int capacity)
            : this(baseOffset, new EventEnvelope[capacity], new long[capacity])
        {
        }

        public long BaseOffset { get; } = baseOffset;

        /// <summary>The events; empty while the segment is cold and not read back.</summary>
        public EventEnvelope[] Events { get; set; } = events;

        /// <summary>Each event's append time; empty while <see cref="Events"/> is, unless skimmed.</summary>
        public long[] AppendTicks { get; set; } = appendTicks;

        /// <summary>Each event's journal address (durable partitions only; null while cold, neither read back nor skimmed).</summary>
        public long[]? Addresses { get; set; }

        /// <summary>
        /// Each event's payload length, once a cold segment was skimmed for retention (see <c>Skimmed</c>); then
        /// <see cref="AppendTicks"/> and <see cref="Addresses"/> stay too, while <see cref="Events"/> may be dropped.
        /// </summary>
        public int[]? PayloadLengths { get; set; }

        public int Count { get; set; }

        /// <summary>The journal address of the segment's first event (durable partitions only).</summary>
        public long FirstAddress { get; set; }

        /// <summary>Payload bytes of the segment's events not yet trimmed.</summary>
        public long Bytes { get; set; }

        /// <summary>The last event's append time (append times only grow).</summary>
        public long LastAppendTicks { get; set; }

        /// <summary>How many of the segment's events asked for de-duplication with an id.</summary>
        public int Deduplicated { get; set; }

        /// <summary>
        /// True when memory need not hold the events: they are durable and <see cref="Events"/> is either empty or a
        /// read-back copy the cache may drop. A hot segment (false) always holds its events.
        /// </summary>
        public bool IsCold { get; set; }

        public bool IsLoaded => Events.Length != 0;
    }
}
