namespace Shoal.Cluster.Autoscaling;

/// <summary>
/// Turns lag, arrival rate and per-member throughput into a desired member count. Pure and deterministic: no I/O,
/// no clock of its own (time comes with each <see cref="AutoscaleInput"/>), so tests and the simulator drive it on
/// fake time. It keeps the recommendations of the last stabilization window and the time of its last change.
/// </summary>
/// <remarks>
/// One decision (see <c>docs/autoscaling.md</c>):
/// <list type="number">
/// <item>backlog = lag + (arrivals − current capacity)⁺ × (scale-up window + member start-up) − target lag, at least 0:
/// the lag the new members will find when they start, beyond what is acceptable;</item>
/// <item>required rate = arrivals + backlog / target drain time;</item>
/// <item>recommendation = ⌈required / (per-member rate × target utilization)⌉, kept at the current count while the
/// required rate is within ±tolerance of the current capacity, then clamped to [min, min(max, partitions × members per partition)];</item>
/// <item>stabilization (Kubernetes HPA behaviour): scale up to the lowest recommendation of the short scale-up window,
/// down to the highest of the long scale-down window, otherwise stay. Two refinements, both only while the lag is
/// under the target (the backlog is drained):
/// <list type="bullet">
/// <item>drain release: the long window keeps the members the <em>arrivals</em> need; members added only to drain a
/// backlog leave once the lag is back under the target (the lag shows the drain is over; holding them only costs).
/// While a backlog remains, the full recommendation of the short window holds them;</item>
/// <item>deep drop: when every arrivals-only recommendation of the short window is at most
/// <see cref="AutoscaleOptions.DeepDropFraction"/> of the current count, the drop is a new level, not noise, and the
/// count follows the short window. A scale-up within the long window after such a scale-down shows it was not: the
/// shortcut is then off until the long window itself sees a drop that deep;</item>
/// </list></item>
/// <item>cooldown: no change sooner than <see cref="AutoscaleOptions.Cooldown"/> after the previous one.</item>
/// </list>
/// Not thread-safe: one caller decides at a time.
/// </remarks>
public sealed class AutoscalePolicy
{
    private readonly AutoscaleOptions _options;
    private readonly Queue<(DateTimeOffset At, int Recommendation, int ForArrivals)> _history = new();
    private DateTimeOffset? _lastChange;
    private DateTimeOffset? _lastInput;
    private DateTimeOffset? _lastDeepDrop;

    /// <summary>While set, the deep-drop shortcut is off: the arrivals-only count the lost bet saw in the long window.</summary>
    private int? _deepDropOffAt;

    /// <summary>Creates a policy. Throws <see cref="ShoalConfigurationException"/> when the options are invalid.</summary>
    public AutoscalePolicy(AutoscaleOptions? options = null)
    {
        _options = options ?? AutoscaleOptions.Default;
        _options.Validate();
    }

    /// <summary>The options in force.</summary>
    public AutoscaleOptions Options => _options;

    /// <summary>Decides the member count for <paramref name="input"/> and remembers it for the stabilization windows.</summary>
    /// <exception cref="ArgumentException">An input is out of range (named), or time went backwards.</exception>
    public AutoscaleDecision Decide(AutoscaleInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Check(input);
        _lastInput = input.At;

        var options = _options;
        var current = input.CurrentMembers;
        var cap = Math.Max(options.MinMembers, (int)Math.Min(options.MaxMembers, (long)input.Partitions * options.MaxMembersPerPartition));
        var lag = input.TotalLag;
        var perMember = input.ProcessingRatePerMember;

        if (!(perMember > 0))
        {
            // Nothing to size by: keep the count (inside the bounds) until a member has shown its throughput.
            var kept = Math.Clamp(current, options.MinMembers, cap);
            Remember(input.At, kept, kept);
            return Finish(input, kept, kept, double.NaN, lag, cap, kept != current ? AutoscaleReason.Bounds : AutoscaleReason.NoThroughputEstimate);
        }

        if (_history.Count == 0)
        {
            // Before the first decision the count was what it is: a new policy (or a restarted supervisor) must see a
            // whole window of agreement before it changes anything, like one that had run all along.
            Remember(input.At, Math.Clamp(current, options.MinMembers, cap), Math.Clamp(current, options.MinMembers, cap));
        }

        var required = RequiredRate(input, lag, perMember);
        var plannedPerMember = perMember * options.TargetUtilization;
        var recommendation = Recommend(required, current, plannedPerMember, cap);
        var forArrivals = Recommend(input.ArrivalRate, current, plannedPerMember, cap);
        Remember(input.At, recommendation, forArrivals);

        var drained = lag <= options.TargetLag;
        var windows = Stabilized(input.At, recommendation, forArrivals, drained);
        if (_deepDropOffAt is { } level && windows.LongArrivals <= options.DeepDropFraction * level)
        {
            // A whole long window has now seen the arrivals this far below the level that came back: the load settled
            // lower, and deep drops may be taken as new levels again.
            _deepDropOffAt = null;
        }

        var deepDrop = options.DeepDropFraction > 0 && drained && _deepDropOffAt is null && windows.ShortArrivals <= options.DeepDropFraction * current;
        var upTo = windows.UpTo;
        var downTo = deepDrop ? Math.Max(recommendation, windows.ShortArrivals) : windows.DownTo;
        int desired;
        AutoscaleReason reason;
        if (upTo > current)
        {
            (desired, reason) = (upTo, AutoscaleReason.ScaleUp);
        }
        else if (downTo < current)
        {
            (desired, reason) = (downTo, downTo < windows.DownTo ? AutoscaleReason.DeepDrop : AutoscaleReason.ScaleDown);
        }
        else
        {
            desired = current;
            reason = recommendation > current ? AutoscaleReason.WaitingForScaleUpWindow
                : recommendation < current ? AutoscaleReason.WaitingForScaleDownWindow
                : AutoscaleReason.Steady;
        }

        if (desired != current && _lastChange is { } last && input.At - last < options.Cooldown)
        {
            (desired, reason) = (current, AutoscaleReason.Cooldown);
        }

        // The bounds are not subject to windows or cooldown: a count outside them is wrong now.
        if (current < options.MinMembers || current > cap)
        {
            (desired, reason) = (Math.Clamp(desired, options.MinMembers, cap), AutoscaleReason.Bounds);
        }

        if (reason == AutoscaleReason.DeepDrop)
        {
            _lastDeepDrop = input.At;
        }
        else if (reason == AutoscaleReason.ScaleUp && _lastDeepDrop is { } dropped && input.At - dropped < options.ScaleDownWindow)
        {
            // The load came back within the long window: that drop was not a new level, and the next may not be either.
            // Until the long window shows the load settled well below this level, members wait for it again.
            _deepDropOffAt = windows.LongArrivals;
            _lastDeepDrop = null;
        }

        return Finish(input, desired, recommendation, required, lag, cap, reason);
    }

    /// <summary>
    /// Events per second the group needs: arrivals, plus the backlog beyond the target lag (including what piles up
    /// until new members work) drained within the target drain time.
    /// </summary>
    private double RequiredRate(AutoscaleInput input, long lag, double perMember)
    {
        var options = _options;
        var shortfall = Math.Max(0, input.ArrivalRate - (input.CurrentMembers * perMember));
        var growth = shortfall * (options.ScaleUpWindow + options.MemberStartupTime).TotalSeconds;
        var backlog = Math.Max(0, lag + growth - options.TargetLag);
        return input.ArrivalRate + (backlog / options.TargetDrainTime.TotalSeconds);
    }

    /// <summary>Members for <paramref name="required"/> events/s: the current count inside the tolerance band, else ⌈required / planned⌉, within the bounds.</summary>
    private int Recommend(double required, int current, double plannedPerMember, int cap)
    {
        int members;
        if (current > 0 && Math.Abs((required / (current * plannedPerMember)) - 1) <= _options.Tolerance)
        {
            members = current;
        }
        else
        {
            // The epsilon keeps 4.0000000001 members (floating-point noise) from becoming 5.
            members = (int)Math.Min(int.MaxValue, Math.Ceiling((required / plannedPerMember) - 1e-9));
        }

        return Math.Clamp(members, _options.MinMembers, cap);
    }

    private void Remember(DateTimeOffset at, int recommendation, int forArrivals)
    {
        _history.Enqueue((at, recommendation, forArrivals));
        var keep = _options.ScaleUpWindow > _options.ScaleDownWindow ? _options.ScaleUpWindow : _options.ScaleDownWindow;
        while (_history.Count > 1 && at - _history.Peek().At >= keep)
        {
            _history.Dequeue();
        }
    }

    /// <summary>What the windows allow, from the remembered recommendations (the latest included).</summary>
    /// <param name="UpTo">The lowest full recommendation of the scale-up window: scale up to it.</param>
    /// <param name="DownTo">
    /// The floor for scaling down: the highest arrivals-only recommendation of the scale-down window and, while a backlog
    /// remains, the highest full recommendation of the scale-up window.
    /// </param>
    /// <param name="ShortArrivals">The highest arrivals-only recommendation of the scale-up window.</param>
    /// <param name="LongArrivals">The highest arrivals-only recommendation of the scale-down window.</param>
    private readonly record struct Windows(int UpTo, int DownTo, int ShortArrivals, int LongArrivals);

    private Windows Stabilized(DateTimeOffset now, int latest, int latestForArrivals, bool drained)
    {
        // The latest recommendation always counts, so a zero window reacts to it alone.
        var upTo = latest;
        var downTo = latest;
        var shortArrivals = latestForArrivals;
        var longArrivals = latestForArrivals;
        foreach (var (at, recommendation, forArrivals) in _history)
        {
            var age = now - at;
            if (age < _options.ScaleUpWindow)
            {
                upTo = Math.Min(upTo, recommendation);
                shortArrivals = Math.Max(shortArrivals, forArrivals);

                // Members added to drain a backlog stay while it lasts (for the short window of the full
                // recommendation) and leave once the lag is under the target: the drain is a transient the lag shows ending.
                if (!drained)
                {
                    downTo = Math.Max(downTo, recommendation);
                }
            }

            // Members kept for the arrivals leave only after the long window.
            if (age < _options.ScaleDownWindow)
            {
                longArrivals = Math.Max(longArrivals, forArrivals);
            }
        }

        return new Windows(upTo, Math.Max(downTo, longArrivals), shortArrivals, longArrivals);
    }

    private AutoscaleDecision Finish(AutoscaleInput input, int desired, int recommendation, double required, long lag, int cap, AutoscaleReason reason)
    {
        if (desired != input.CurrentMembers)
        {
            _lastChange = input.At;
        }

        return new AutoscaleDecision(input.At, input.CurrentMembers, desired, recommendation, required, lag, cap, reason);
    }

    private void Check(AutoscaleInput input)
    {
        if (_lastInput is { } previous && input.At < previous)
        {
            throw new ArgumentException($"AutoscaleInput.At went backwards: {input.At:O} is before {previous:O}.", nameof(input));
        }

        if (input.CurrentMembers < 0)
        {
            throw new ArgumentException($"AutoscaleInput.CurrentMembers must be at least 0; was {input.CurrentMembers}.", nameof(input));
        }

        if (input.Partitions < 1)
        {
            throw new ArgumentException($"AutoscaleInput.Partitions must be at least 1; was {input.Partitions}.", nameof(input));
        }

        if (input.PartitionLag is null || input.PartitionLag.Count != input.Partitions)
        {
            throw new ArgumentException(
                $"AutoscaleInput.PartitionLag must have one entry per partition ({input.Partitions}); had {input.PartitionLag?.Count ?? 0}.", nameof(input));
        }

        for (var p = 0; p < input.PartitionLag.Count; p++)
        {
            if (input.PartitionLag[p] < 0)
            {
                throw new ArgumentException($"AutoscaleInput.PartitionLag[{p}] must be at least 0; was {input.PartitionLag[p]}.", nameof(input));
            }
        }

        if (!double.IsFinite(input.ArrivalRate) || input.ArrivalRate < 0)
        {
            throw new ArgumentException($"AutoscaleInput.ArrivalRate must be a finite rate ≥ 0; was {input.ArrivalRate}.", nameof(input));
        }

        if (double.IsNaN(input.ProcessingRatePerMember) || double.IsInfinity(input.ProcessingRatePerMember))
        {
            throw new ArgumentException($"AutoscaleInput.ProcessingRatePerMember must be finite; was {input.ProcessingRatePerMember}.", nameof(input));
        }
    }
}
