namespace Shoal.Cli.Autoscaling;

/// <summary>One target of issue 8 checked on a run: the measured value (null: never reached), the limit, and whether it holds.</summary>
internal sealed record SimTargetCheck(string Name, double? Value, double Limit, bool Met, string Description);

/// <summary>The <c>--json</c> result of <c>shoal autoscale-sim</c> (camelCase, last line of stdout).</summary>
internal sealed record AutoscaleSimReport
{
    public required string Profile { get; init; }
    public required int Seed { get; init; }
    public required int Seconds { get; init; }
    public required long TargetLag { get; init; }
    public required double MaxLag { get; init; }

    /// <summary>Seconds from the largest load step until lag is under target again; null for profiles without a step, or if it never recovered.</summary>
    public required int? SecondsToRecover { get; init; }
    public required int DirectionChanges { get; init; }
    public required int MaxDirectionChangesPerWindow { get; init; }
    public required int ScaleEvents { get; init; }
    public required int PeakMembers { get; init; }
    public required long MemberSeconds { get; init; }
    public required long OracleMemberSeconds { get; init; }
    public required double? CostRatio { get; init; }
    public required IReadOnlyList<SimTargetCheck> Targets { get; init; }
    public required bool TargetsMet { get; init; }
    public string? Plot { get; init; }

    public static AutoscaleSimReport From(AutoscaleSimResult result, string? plot = null)
    {
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
