namespace Shoal.Simulation.Autoscaling;

/// <summary>
/// A run judged against issue 8's targets (recovery within two scale-up windows, at most one reversal per
/// stabilization window, cost within 1.3× the oracle's): the <c>--json</c> result of <c>shoal autoscale-sim</c>
/// (camelCase, last line of stdout).
/// </summary>
public sealed record AutoscaleSimReport
{
    /// <summary>The load profile (lower case).</summary>
    public required string Profile { get; init; }

    /// <summary>The seed of the noise.</summary>
    public required int Seed { get; init; }

    /// <summary>Seconds simulated.</summary>
    public required int Seconds { get; init; }

    /// <summary>The policy's target lag.</summary>
    public required long TargetLag { get; init; }

    /// <summary>The largest backlog.</summary>
    public required double MaxLag { get; init; }

    /// <summary>Seconds from the largest load step until lag is under target again; null for profiles without a step, or if it never recovered.</summary>
    public required int? SecondsToRecover { get; init; }

    /// <summary>How often the scaling direction reversed.</summary>
    public required int DirectionChanges { get; init; }

    /// <summary>The most reversals within one stabilization window.</summary>
    public required int MaxDirectionChangesPerWindow { get; init; }

    /// <summary>Decisions that changed the member count.</summary>
    public required int ScaleEvents { get; init; }

    /// <summary>The most members asked for at once.</summary>
    public required int PeakMembers { get; init; }

    /// <summary>Cost: the sum over seconds of the members asked for.</summary>
    public required long MemberSeconds { get; init; }

    /// <summary>The oracle's cost (the cheapest schedule knowing the load in advance).</summary>
    public required long OracleMemberSeconds { get; init; }

    /// <summary>Cost over the oracle's; null when the oracle paid nothing.</summary>
    public required double? CostRatio { get; init; }

    /// <summary>Each target, checked.</summary>
    public required IReadOnlyList<SimTargetCheck> Targets { get; init; }

    /// <summary>Whether every target holds.</summary>
    public required bool TargetsMet { get; init; }

    /// <summary>The plot's file, when one was written.</summary>
    public string? Plot { get; init; }

    /// <summary>Judges <paramref name="result"/>; <paramref name="plot"/> is the plot's file, if any.</summary>
    public static AutoscaleSimReport From(AutoscaleSimResult result, string? plot = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var options = result.Settings.Policy;
        var targets = new List<SimTargetCheck>();
        var costRatio = result.OracleMemberSeconds > 0 ? (double)result.MemberSeconds / result.OracleMemberSeconds : double.NaN;
        if (result.Settings.Profile is LoadProfileKind.Step or LoadProfileKind.Spike)
        {
            var limit = 2 * options.ScaleUpWindow.TotalSeconds;
            targets.Add(new SimTargetCheck(
                "recoverWithinTwoScaleUpWindows",
                result.SecondsToRecover,
                limit,
                result.SecondsToRecover is { } s && s <= limit,
                "seconds from the 4x step until lag is under target again"));
        }

        targets.Add(new SimTargetCheck(
            "directionChangesPerWindow",
            result.MaxDirectionChangesPerWindow,
            1,
            result.MaxDirectionChangesPerWindow <= 1,
            "most reversals of scaling direction within one stabilization window (the scale-down window, at least the default 120 s)"));
        targets.Add(new SimTargetCheck(
            "costVsOracle",
            double.IsFinite(costRatio) ? Math.Round(costRatio, 3) : null,
            1.3,
            costRatio <= 1.3,
            "member-seconds over the oracle's"));

        return new AutoscaleSimReport
        {
            Profile = result.Settings.Profile.ToString().ToLowerInvariant(),
            Seed = result.Settings.Seed,
            Seconds = result.Timeline.Count,
            TargetLag = options.TargetLag,
            MaxLag = Math.Round(result.MaxLag),
            SecondsToRecover = result.SecondsToRecover,
            DirectionChanges = result.DirectionChanges,
            MaxDirectionChangesPerWindow = result.MaxDirectionChangesPerWindow,
            ScaleEvents = result.Changes.Count,
            PeakMembers = result.Timeline.Count == 0 ? 0 : result.Timeline.Max(s => s.Members),
            MemberSeconds = result.MemberSeconds,
            OracleMemberSeconds = result.OracleMemberSeconds,
            CostRatio = double.IsFinite(costRatio) ? Math.Round(costRatio, 3) : null,
            Targets = targets,
            TargetsMet = targets.TrueForAll(t => t.Met),
            Plot = plot,
        };
    }
}
