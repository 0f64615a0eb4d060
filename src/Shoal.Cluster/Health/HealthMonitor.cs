namespace Shoal.Cluster;

/// <summary>
/// The health state machine: fed one <see cref="HealthSample"/> per heartbeat, it returns Healthy, Degraded or
/// Unhealthy. Pure (no I/O, time passed in), so every transition is tested on fake inputs.
/// </summary>
/// <remarks>
/// Each sample gets a raw level: Unhealthy when the windowed error rate ≥ <see cref="HealthOptions.UnhealthyErrorRate"/>
/// or engine errors lasted <see cref="HealthOptions.UnhealthyEngineErrorSamples"/> samples in a row; Degraded when the
/// error rate ≥ <see cref="HealthOptions.DegradedErrorRate"/>, enough partitions are stalled, the engine failed or was
/// slow, or leases were lost in <see cref="HealthOptions.DegradedLeaseLosses"/> samples within
/// <see cref="HealthOptions.LeaseLossWindow"/> (a member losing and retaking partitions); otherwise Healthy. A worse raw
/// level applies at once; a better one only after <see cref="HealthOptions.RecoverySamples"/> consecutive better
/// samples and <see cref="HealthOptions.RecoveryTime"/> since the last sample that was not better, and then the worst of them — so alternating good and bad
/// samples never flap.
/// </remarks>
internal sealed class HealthMonitor
{
    private readonly HealthOptions _options;
    private readonly Queue<(long Succeeded, long Failed)> _window = new();
    private readonly Dictionary<int, (long Position, DateTimeOffset Since)> _progress = [];
    private readonly List<MemberHealth> _betterStreak = [];
    private readonly Queue<DateTimeOffset> _leaseLosses = new();
    private DateTimeOffset _lastNotBetter;
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

    /// <summary>Why the last sample was classified as it was (for the log when health changes).</summary>
    public string LastReason { get; private set; } = "healthy";

    /// <summary>How many samples within <see cref="HealthOptions.LeaseLossWindow"/> had lost leases, at the last sample.</summary>
    public int LeaseLosses { get; private set; }

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
            _lastNotBetter = now;
            return Current;
        }

        _betterStreak.Add(raw);
        if (_betterStreak.Count >= _options.RecoverySamples && now - _lastNotBetter >= _options.RecoveryTime)
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
        if (sample.LeasesLost > 0)
        {
            _leaseLosses.Enqueue(now);
        }

        while (_leaseLosses.TryPeek(out var lost) && now - lost >= _options.LeaseLossWindow)
        {
            _leaseLosses.Dequeue();
        }

        LeaseLosses = _leaseLosses.Count;

        if (ErrorRate >= _options.UnhealthyErrorRate)
        {
            return Level(MemberHealth.Unhealthy, $"handler error rate {ErrorRate:P0}");
        }

        if (_engineErrorStreak >= _options.UnhealthyEngineErrorSamples)
        {
            return Level(MemberHealth.Unhealthy, $"engine calls failed or slow in {_engineErrorStreak} heartbeats in a row");
        }

        if (ErrorRate >= _options.DegradedErrorRate)
        {
            return Level(MemberHealth.Degraded, $"handler error rate {ErrorRate:P0}");
        }

        if (StalledPartitions >= _options.DegradedStalledPartitions)
        {
            return Level(MemberHealth.Degraded, $"{StalledPartitions} partitions stalled");
        }

        if (sample.EngineError)
        {
            return Level(MemberHealth.Degraded, "an engine call failed or was slow");
        }

        if (LeaseLosses >= _options.DegradedLeaseLosses)
        {
            return Level(MemberHealth.Degraded, $"leases lost in {LeaseLosses} heartbeats within {_options.LeaseLossWindow.TotalSeconds:0.#} s");
        }

        return Level(MemberHealth.Healthy, "healthy");
    }

    private MemberHealth Level(MemberHealth level, string reason)
    {
        LastReason = reason;
        return level;
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
