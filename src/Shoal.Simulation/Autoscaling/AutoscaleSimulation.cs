using Shoal.Cluster.Autoscaling;

namespace Shoal.Simulation.Autoscaling;

/// <summary>
/// A fluid queue on virtual time, one step per second: arrivals join the backlog, ready members drain it at their
/// rate (members beyond the partition count idle), the policy sees the lag and rates at the end of each second and
/// its new members start working after the start-up delay. Removed members stop at once (a graceful hand-over takes
/// well under a second). Cost is member-seconds of every member asked for, starting or working.
/// </summary>
public static class AutoscaleSimulation
{
    /// <summary>Virtual time zero of every run.</summary>
    public static readonly DateTimeOffset Epoch = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Runs the settings' policy against the settings' profile.</summary>
    public static AutoscaleSimResult Run(AutoscaleSimSettings settings) => Run(settings, new AutoscalePolicy(settings.Policy));

    /// <summary>Runs <paramref name="policy"/> against <paramref name="load"/>, or the settings' profile when it is null.</summary>
    public static AutoscaleSimResult Run(AutoscaleSimSettings settings, AutoscalePolicy policy, LoadProfile? load = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(policy);
        load ??= new LoadProfile(settings.Profile, settings.BaseRate, settings.EffectiveSeconds, settings.Seed);
        var seconds = load.Seconds;
        var options = policy.Options;
        var usable = (int)Math.Min(settings.Partitions * (long)options.MaxMembersPerPartition, int.MaxValue);
        var startup = (int)Math.Ceiling(settings.StartupDelay.TotalSeconds);

        // Start settled for the first second's load, as after a long quiet period.
        var initial = Math.Clamp(
            (int)Math.Ceiling(load.ShapeAt(0) / (settings.MemberRate * options.TargetUtilization)),
            options.MinMembers,
            Math.Max(options.MinMembers, Math.Min(options.MaxMembers, usable)));
        var startedAt = new List<int>(Enumerable.Repeat(int.MinValue / 2, initial));
        var oracle = Oracle(load, settings, options, usable, startup);

        var timeline = new List<SimSecond>(seconds);
        var changes = new List<AutoscaleDecision>();
        double lag = 0;
        long memberSeconds = 0;
        var perMemberEstimate = settings.MemberRate;
        var lags = new long[settings.Partitions];
        for (var t = 0; t < seconds; t++)
        {
            var arrivals = load.RateAt(t);
            var ready = startedAt.Count(s => s + startup <= t);
            var working = Math.Min(ready, usable);
            var capacity = working * settings.MemberRate;
            var saturated = lag + arrivals > capacity;
            var processed = saturated ? capacity : lag + arrivals;
            lag = saturated ? lag + arrivals - capacity : 0;
            memberSeconds += startedAt.Count;
            timeline.Add(new SimSecond(t, arrivals, startedAt.Count, ready, lag, oracle.Members[t], oracle.Lag[t]));

            // What an observer measures over this second: busy members show their throughput, idle ones do not.
            if (working > 0 && saturated)
            {
                perMemberEstimate = processed / working;
            }

            Split((long)Math.Round(lag), lags);
            var decision = policy.Decide(new AutoscaleInput
            {
                At = Epoch.AddSeconds(t + 1),
                CurrentMembers = startedAt.Count,
                Partitions = settings.Partitions,
                PartitionLag = lags,
                ArrivalRate = arrivals,
                ProcessingRatePerMember = perMemberEstimate,
            });
            if (decision.Direction != 0)
            {
                changes.Add(decision);
                while (startedAt.Count < decision.DesiredMembers)
                {
                    startedAt.Add(t + 1);
                }

                // Scale in removes the newest members first: those still starting cost nothing to stop.
                while (startedAt.Count > decision.DesiredMembers)
                {
                    startedAt.RemoveAt(startedAt.Count - 1);
                }
            }
        }

        var (directionChanges, perWindow) = DirectionChanges(changes, JudgingWindow(options));
        return new AutoscaleSimResult(
            settings,
            timeline,
            changes,
            timeline.Max(s => s.Lag),
            SecondsToRecover(timeline, load.LargestStepAt, options.TargetLag),
            directionChanges,
            perWindow,
            memberSeconds,
            oracle.MemberSeconds);
    }

    /// <summary>
    /// The cheapest schedule that knows the load in advance: each second the fewest working members that keep the
    /// lag at or under the target (greedy, so backlog is carried up to the target rather than paid for early), each
    /// started the same start-up delay before it must work and paid for from then; a member needed again within the
    /// start-up delay is kept rather than restarted.
    /// </summary>
    private static (int[] Members, double[] Lag, long MemberSeconds) Oracle(LoadProfile load, AutoscaleSimSettings settings, AutoscaleOptions options, int usable, int startup)
    {
        var seconds = load.Seconds;
        var cap = Math.Max(options.MinMembers, Math.Min(options.MaxMembers, usable));
        var working = new int[seconds];
        var lags = new double[seconds];
        double lag = 0;
        for (var t = 0; t < seconds; t++)
        {
            var arrivals = load.RateAt(t);
            var needed = (int)Math.Ceiling((Math.Max(0, lag + arrivals - options.TargetLag) / settings.MemberRate) - 1e-9);
            working[t] = Math.Clamp(needed, options.MinMembers, cap);
            lag = Math.Max(0, lag + arrivals - (Math.Min(working[t], usable) * settings.MemberRate));
            lags[t] = lag;
        }

        var paid = new int[seconds];
        long total = 0;
        for (var t = 0; t < seconds; t++)
        {
            var most = 0;
            for (var u = t; u <= Math.Min(seconds - 1, t + startup); u++)
            {
                most = Math.Max(most, working[u]);
            }

            paid[t] = most;
            total += most;
        }

        return (paid, lags, total);
    }

    /// <summary>Seconds from the largest load step until the lag is at or under the target again (0 if it never went over).</summary>
    internal static int? SecondsToRecover(IReadOnlyList<SimSecond> timeline, int? stepAt, long targetLag)
    {
        if (stepAt is not { } step)
        {
            return null;
        }

        var over = -1;
        for (var t = step; t < timeline.Count; t++)
        {
            if (over < 0 && timeline[t].Lag > targetLag)
            {
                over = t;
            }
            else if (over >= 0 && timeline[t].Lag <= targetLag)
            {
                // The lag at index t is the lag at the end of second t.
                return t + 1 - step;
            }
        }

        return over < 0 ? 0 : null;
    }

    /// <summary>
    /// The window direction changes are counted in: the run's scale-down (stabilization) window, or the default one
    /// when the run's is shorter, so a policy without stabilization is judged on the same scale as the default.
    /// </summary>
    internal static TimeSpan JudgingWindow(AutoscaleOptions options) =>
        options.ScaleDownWindow > AutoscaleOptions.Default.ScaleDownWindow ? options.ScaleDownWindow : AutoscaleOptions.Default.ScaleDownWindow;

    /// <summary>How often the scaling direction reversed, in all and at most within any one stabilization window.</summary>
    internal static (int Total, int MaxPerWindow) DirectionChanges(IReadOnlyList<AutoscaleDecision> changes, TimeSpan window)
    {
        var reversals = new List<DateTimeOffset>();
        for (var i = 1; i < changes.Count; i++)
        {
            if (changes[i].Direction != changes[i - 1].Direction)
            {
                reversals.Add(changes[i].At);
            }
        }

        var most = 0;
        for (var i = 0; i < reversals.Count; i++)
        {
            var inWindow = reversals.Count(r => r <= reversals[i] && reversals[i] - r < window);
            most = Math.Max(most, inWindow);
        }

        return (reversals.Count, most);
    }

    /// <summary>Spreads the total lag evenly over the partitions (keys hash uniformly), keeping the sum exact.</summary>
    private static void Split(long total, long[] lags)
    {
        var each = total / lags.Length;
        var rest = total % lags.Length;
        for (var p = 0; p < lags.Length; p++)
        {
            lags[p] = each + (p < rest ? 1 : 0);
        }
    }
}
