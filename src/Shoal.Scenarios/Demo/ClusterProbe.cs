using Shoal.Engine;

namespace Shoal.Scenarios.Demo;

/// <summary>
/// What the cluster demo measures while it runs: per partition, which member handled the last event and the
/// longest time an available event waited (only partitions that never changed owner count for
/// <c>rebalancePauseMs</c>), the failover time after a crash, and zombie commits seen in the offset records.
/// </summary>
internal sealed class ClusterProbe
{
    private readonly int[] _lastMember;
    private readonly long[] _maxWaitTicks;
    private readonly long[] _maxSteadyWaitTicks;
    private readonly long[] _maxWaitGcTicks;
    private readonly long[] _maxSteadyWaitGcTicks;
    private readonly List<(long Start, long End)> _rebalances = [];
    private readonly int[] _moved;
    private readonly long[] _firstAfterCrash;
    private readonly bool[] _orphaned;
    private readonly Dictionary<string, long> _maxEpoch = new(StringComparer.Ordinal);
    private long _crashTicks;
    private int _crashedMember = -1;
    private long _zombieAccepted;

    // Partitions are handled on different threads: keep each partition's hot slots on its own cache line.
    private const int Stride = 16;

    public ClusterProbe(int partitions)
    {
        _lastMember = new int[partitions * Stride * 2];
        Array.Fill(_lastMember, -1);
        _maxWaitTicks = new long[partitions];
        _maxSteadyWaitTicks = new long[partitions];
        _maxWaitGcTicks = new long[partitions];
        _maxSteadyWaitGcTicks = new long[partitions];
        _moved = new int[partitions];
        _firstAfterCrash = new long[partitions];
        _orphaned = new bool[partitions];
    }

    public long ZombieCommitsAccepted => Interlocked.Read(ref _zombieAccepted);

    private static long Now => TimeProvider.System.GetUtcNow().UtcTicks;

    /// <summary>Called by a member's handler for every event it handles.</summary>
    public void Observe(int member, int partition)
    {
        var previousMember = Interlocked.Exchange(ref _lastMember[partition * Stride * 2], member);
        if (previousMember >= 0 && previousMember != member)
        {
            Volatile.Write(ref _moved[partition], 1);
        }

        if (Volatile.Read(ref _crashTicks) != 0 && _orphaned[partition] && member != _crashedMember && Volatile.Read(ref _firstAfterCrash[partition]) == 0)
        {
            Interlocked.CompareExchange(ref _firstAfterCrash[partition], Now, 0);
        }
    }

    /// <summary>
    /// Samples every partition every few milliseconds: while it has lag (end offset beyond what its owner has
    /// processed) and its processed position does not move, it is stalled. The longest stall of each partition is
    /// kept, split by whether it overlapped a rebalance — the literal "processing gap while it had lag" — with the
    /// garbage collections' pause time (process-wide, <see cref="GC.GetTotalPauseDuration"/>) within it, to tell GC
    /// pauses apart from stalls of the rebalance itself.
    /// </summary>
    public async Task MonitorStallsAsync(IShoalEngine engine, string topic, Func<int, long> processed, CancellationToken cancellationToken)
    {
        var partitions = _moved.Length;
        var lastPosition = new long[partitions];
        var stalledSince = new long[partitions];
        var gcAtStart = new long[partitions];
        Array.Fill(lastPosition, -1);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = Now;
                var gc = GC.GetTotalPauseDuration().Ticks;
                for (var p = 0; p < partitions; p++)
                {
                    var end = (await engine.Log.GetOffsetsAsync(topic, p, cancellationToken)).End;
                    var position = processed(p);
                    if (position >= end || position != lastPosition[p])
                    {
                        lastPosition[p] = position;
                        stalledSince[p] = now;
                        gcAtStart[p] = gc;
                        continue;
                    }

                    var stalled = now - stalledSince[p];
                    var rebalance = DuringRebalance(stalledSince[p], now);
                    ref var worst = ref rebalance ? ref _maxWaitTicks[p] : ref _maxSteadyWaitTicks[p];
                    if (stalled > worst)
                    {
                        worst = stalled;
                        (rebalance ? _maxWaitGcTicks : _maxSteadyWaitGcTicks)[p] = gc - gcAtStart[p];
                    }
                }

                await Task.Delay(TimeSpan.FromMilliseconds(2), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A membership change starts a rebalance (a join, a crash, a pause or a resume).</summary>
    public void RebalanceStarted()
    {
        lock (_rebalances)
        {
            _rebalances.Add((Now, long.MaxValue));
        }
    }

    /// <summary>The members hold every partition again, balanced: the open rebalance ends.</summary>
    public void RebalanceEnded()
    {
        lock (_rebalances)
        {
            if (_rebalances.Count > 0 && _rebalances[^1].End == long.MaxValue)
            {
                _rebalances[^1] = (_rebalances[^1].Start, Now);
            }
        }
    }

    public bool RebalanceOpen
    {
        get
        {
            lock (_rebalances)
            {
                return _rebalances.Count > 0 && _rebalances[^1].End == long.MaxValue;
            }
        }
    }

    private bool DuringRebalance(long from, long to)
    {
        lock (_rebalances)
        {
            foreach (var (start, end) in _rebalances)
            {
                if (from < end && to > start)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Marks the crash of <paramref name="member"/>, which held <paramref name="partitions"/>.</summary>
    public void Crashed(int member, IEnumerable<int> partitions)
    {
        foreach (var partition in partitions)
        {
            _orphaned[partition] = true;
        }

        _crashedMember = member;
        Volatile.Write(ref _crashTicks, Now);
    }

    /// <summary>From the crash to the last orphaned partition handled again by a survivor; -1 if one never was.</summary>
    public long FailoverMs()
    {
        var crash = Volatile.Read(ref _crashTicks);
        if (crash == 0)
        {
            return 0;
        }

        long worst = 0;
        for (var p = 0; p < _orphaned.Length; p++)
        {
            if (!_orphaned[p])
            {
                continue;
            }

            var first = Volatile.Read(ref _firstAfterCrash[p]);
            if (first == 0)
            {
                return -1;
            }

            worst = Math.Max(worst, first - crash);
        }

        return (long)TimeSpan.FromTicks(worst).TotalMilliseconds;
    }

    /// <summary>The longest wait of an available event, during a rebalance, on a partition that never changed owner, and the GC pause time within it.</summary>
    public (long Ms, long GcMs) RebalancePause() => WorstOfStayingPartitions(_maxWaitTicks, _maxWaitGcTicks);

    /// <summary>The same outside rebalances: the machine's own scheduling and GC pauses, for comparison.</summary>
    public (long Ms, long GcMs) SteadyPause() => WorstOfStayingPartitions(_maxSteadyWaitTicks, _maxSteadyWaitGcTicks);

    private (long Ms, long GcMs) WorstOfStayingPartitions(long[] waits, long[] gcWithin)
    {
        long worst = 0;
        long gc = 0;
        for (var p = 0; p < _moved.Length; p++)
        {
            if (Volatile.Read(ref _moved[p]) == 0 && Volatile.Read(ref waits[p]) > worst)
            {
                worst = Volatile.Read(ref waits[p]);
                gc = Volatile.Read(ref gcWithin[p]);
            }
        }

        return ((long)TimeSpan.FromTicks(worst).TotalMilliseconds, (long)TimeSpan.FromTicks(gc).TotalMilliseconds);
    }

    /// <summary>
    /// Watches the group's offset records and counts writes that carry an epoch lower than one already seen for
    /// their partition: a commit from a fenced owner that the store accepted. Runs until cancelled.
    /// </summary>
    public async Task WatchCommitsAsync(ICoordinationStore store, string topic, string group, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in store.WatchAsync(CoordinationKeys.GroupOffsetsPrefix(topic, group), cancellationToken))
            {
                if (change.Kind != KvChangeKind.Put || !CommittedOffset.TryDecode(change.Value.Span, out var committed))
                {
                    continue;
                }

                var highest = _maxEpoch.GetValueOrDefault(change.Key, long.MinValue);
                if (committed.Epoch < highest)
                {
                    Interlocked.Increment(ref _zombieAccepted);
                }
                else
                {
                    _maxEpoch[change.Key] = committed.Epoch;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
