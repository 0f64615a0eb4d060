namespace Shoal.Cluster;

/// <summary>
/// The health state machine: fed one <see cref="HealthSample"/> per heartbeat, it returns Healthy, Degraded or
/// Unhealthy. Pure (no I/O, time passed in), so every transition is tested on fake inputs.
/// </summary>
/// <remarks>
/// Each sample gets a raw level: Unhealthy when the windowed error rate ≥ <see cref="HealthOptions.UnhealthyErrorRate"/>
/// or engine errors lasted <see cref="HealthOptions.UnhealthyEngineErrorSamples"/> samples in a row; Degraded when the
/// error rate ≥ <see cref="HealthOptions.DegradedErrorRate"/>, enough partitions are stalled, or the engine failed;
/// otherwise Healthy. A worse raw level applies at once; a better one only after
/// <see cref="HealthOptions.RecoverySamples"/> consecutive better samples, and then the worst of them — so alternating
/// good and bad samples never flap.
/// </remarks>
internal sealed class HealthMonitor
{
    private readonly HealthOptions _options;
    private readonly Queue<(long Succeeded, long Failed)> _window = new();
    private readonly Dictionary<int, (long Position, DateTimeOffset Since)> _progress = [];
    private readonly List<MemberHealth> _betterStreak = [];
    private long _windowSucceeded;
    private long _windowFailed;
    private int _engineErrorStreak;

    public HealthMonitor(HealthOptions? options = null)
    {
        _options = options ?? HealthOptions.Default;
        _options.Validate();
    }

    /// <summary>The current (hysteresis-filtered) health.</summary>
    public MemberHealth Current { get; private set; } = MemberHealth.Healthy;

    /// <summary>The raw level of the last sample, before hysteresis.</summary>
    public MemberHealth LastRaw { get; private set; } = MemberHealth.Healthy;

    /// <summary>The error rate over the window, or null when too few events were handled to tell.</summary>
    public double? ErrorRate { get; private set; }

    /// <summary>How many partitions were stalled at the last sample.</summary>
    public int StalledPartitions { get; private set; }

    /// <summary>Takes one sample observed at <paramref name="now"/> and returns the health to report.</summary>
    public MemberHealth Observe(HealthSample sample, DateTimeOffset now)
    {
        if (sample.Succeeded < 0 || sample.Failed < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sample), "Succeeded and Failed must not be negative.");
        }

        var raw = Classify(sample, now);
        LastRaw = raw;
        if (raw >= Current)
        {
            // Worse applies at once; the same level ends any recovery streak.
            Current = raw;
            _betterStreak.Clear();
            return Current;
        }

        _betterStreak.Add(raw);
        if (_betterStreak.Count >= _options.RecoverySamples)
        {
            Current = _betterStreak.Max();
            _betterStreak.Clear();
        }

        return Current;
    }

    private MemberHealth Classify(HealthSample sample, DateTimeOffset now)
    {
        _window.Enqueue((sample.Succeeded, sample.Failed));
        _windowSucceeded += sample.Succeeded;
        _windowFailed += sample.Failed;
        while (_window.Count > _options.ErrorRateWindow)
        {
            var (succeeded, failed) = _window.Dequeue();
            _windowSucceeded -= succeeded;
            _windowFailed -= failed;
        }

        var handled = _windowSucceeded + _windowFailed;
        ErrorRate = handled >= _options.MinEventsForErrorRate ? (double)_windowFailed / handled : null;
        StalledPartitions = CountStalled(sample.Partitions, now);
        _engineErrorStreak = sample.EngineError ? _engineErrorStreak + 1 : 0;

        if (ErrorRate >= _options.UnhealthyErrorRate || _engineErrorStreak >= _options.UnhealthyEngineErrorSamples)
        {
            return MemberHealth.Unhealthy;
        }

        if (ErrorRate >= _options.DegradedErrorRate || StalledPartitions >= _options.DegradedStalledPartitions || sample.EngineError)
        {
            return MemberHealth.Degraded;
        }

        return MemberHealth.Healthy;
    }

    private int CountStalled(IReadOnlyList<PartitionPosition>? partitions, DateTimeOffset now)
    {
        if (partitions is null || partitions.Count == 0)
        {
            _progress.Clear();
            return 0;
        }

        var stalled = 0;
        var seen = new HashSet<int>();
        foreach (var p in partitions)
        {
            seen.Add(p.Partition);
            if (p.Lag <= 0 || !_progress.TryGetValue(p.Partition, out var last) || last.Position != p.Position)
            {
                // Moving, caught up, or newly owned: progress is fresh.
                _progress[p.Partition] = (p.Position, now);
                continue;
            }

            if (now - last.Since >= _options.StallTimeout)
            {
                stalled++;
            }
        }

        // Forget partitions no longer owned.
        foreach (var partition in _progress.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _progress.Remove(partition);
        }

        return stalled;
    }
}
