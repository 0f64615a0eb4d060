using Shoal.Engine;

namespace Shoal.Engines.InProcess;

/// <summary>
/// One topic: its partitions, its de-duplication index (one for all partitions, keyed by partition and id, guarded by
/// its own lock taken before a partition's lock) and the time of its next lazy retention check.
/// </summary>
internal sealed class TopicLog
{
    private readonly PartitionLog[] _partitions;
    private readonly DeduplicationIndex? _dedup;
    private readonly Lock _dedupGate = new();
    private long _nextRetentionCheckTicks;

    /// <param name="options">The validated topic options.</param>
    /// <param name="segmentShift">Events per in-memory segment as a power of two.</param>
    /// <param name="journals">Each partition's journal on disk (the durable engine), or null to keep events in memory only.</param>
    public TopicLog(TopicOptions options, int segmentShift, IReadOnlyList<IPartitionJournal>? journals = null)
    {
        Options = options;
        Description = new TopicDescription(options.Name, options.Partitions, options);
        _partitions = new PartitionLog[options.Partitions];
        for (var i = 0; i < _partitions.Length; i++)
        {
            _partitions[i] = new PartitionLog(i, segmentShift, journals?[i]);
        }

        if (options.DeduplicationWindow > TimeSpan.Zero)
        {
            _dedup = new DeduplicationIndex(options.DeduplicationWindow, options.DeduplicationMaxIds);
        }
    }

    public TopicOptions Options { get; }

    public TopicDescription Description { get; }

    public IReadOnlyList<PartitionLog> Partitions => _partitions;

    /// <summary>The partition, or <see cref="ShoalConfigurationException"/> naming <c>partition</c> when out of range.</summary>
    public PartitionLog Partition(int partition)
    {
        if ((uint)partition >= (uint)_partitions.Length)
        {
            throw new ShoalConfigurationException("partition",
                $"topic '{Options.Name}' has partitions 0 to {_partitions.Length - 1}; was {partition}.");
        }

        return _partitions[partition];
    }

    public void Append(PartitionLog partition, ReadOnlySpan<EventEnvelope> events, Span<AppendedEvent> results, long nowTicks)
    {
        TaskCompletionSource? waiter;
        if (_dedup is null || !AnyAsksForDeduplication(events))
        {
            waiter = partition.Append(events, results, null, nowTicks, Options.Retention);
        }
        else
        {
            lock (_dedupGate)
            {
                _dedup.Expire(nowTicks);
                waiter = partition.Append(events, results, _dedup, nowTicks, Options.Retention);
            }
        }

        waiter?.TrySetResult();
    }

    /// <summary>
    /// Once every partition is restored, remembers the ids the index held before the restart: the topic's newest
    /// <see cref="TopicOptions.DeduplicationMaxIds"/> ids that asked for de-duplication, over all partitions, by their
    /// original append time, added oldest first (so they are evicted, and expire from the window, as they would have
    /// been without the restart).
    /// </summary>
    public void RestoreDeduplication()
    {
        if (_dedup is null)
        {
            return;
        }

        // Merge the partitions newest first (each partition's append times only grow) until the index is full.
        var cursors = new PriorityQueue<(IEnumerator<(string Id, long Offset, long AppendTicks)> Events, int Partition), long>();
        foreach (var partition in _partitions)
        {
            var events = partition.DeduplicatedNewestFirst().GetEnumerator();
            if (events.MoveNext())
            {
                cursors.Enqueue((events, partition.Number), -events.Current.AppendTicks);
            }
        }

        var newest = new List<(int Partition, string Id, long Offset, long AppendTicks)>();
        var seen = new HashSet<(int, string)>();
        while (newest.Count < _dedup.MaxIds && cursors.TryDequeue(out var cursor, out _))
        {
            var (id, offset, ticks) = cursor.Events.Current;
            if (seen.Add((cursor.Partition, id)))
            {
                newest.Add((cursor.Partition, id, offset, ticks));
            }

            if (cursor.Events.MoveNext())
            {
                cursors.Enqueue(cursor, -cursor.Events.Current.AppendTicks);
            }
        }

        lock (_dedupGate)
        {
            for (var i = newest.Count - 1; i >= 0; i--)
            {
                var (partition, id, offset, ticks) = newest[i];
                _dedup.Add(partition, id, offset, ticks);
            }
        }
    }

    private static bool AnyAsksForDeduplication(ReadOnlySpan<EventEnvelope> events)
    {
        foreach (ref readonly var e in events)
        {
            if (e.Deduplicate)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True at most once per <paramref name="interval"/> when the topic has age or committed-offset retention;
    /// the caller then runs the check.
    /// </summary>
    public bool RetentionCheckDue(long nowTicks, TimeSpan interval)
    {
        var retention = Options.Retention;
        if (!retention.TrimCommitted && retention.MaxAge == Timeout.InfiniteTimeSpan)
        {
            return false;
        }

        var due = Volatile.Read(ref _nextRetentionCheckTicks);
        var next = interval.Ticks > long.MaxValue - nowTicks ? long.MaxValue : nowTicks + interval.Ticks;
        return nowTicks >= due && Interlocked.CompareExchange(ref _nextRetentionCheckTicks, next, due) == due;
    }

    public void Dispose()
    {
        foreach (var partition in _partitions)
        {
            partition.Dispose();
        }
    }
}
