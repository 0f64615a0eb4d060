using Shoal.Cluster.Autoscaling;

namespace Shoal.Simulation.Autoscaling;

/// <summary>A whole run: the timeline, the policy's decisions, and the numbers the targets are checked on.</summary>
/// <param name="Settings">What was run.</param>
/// <param name="Timeline">Every second of the run.</param>
/// <param name="Changes">The policy's decisions that changed the member count.</param>
/// <param name="MaxLag">The largest backlog.</param>
/// <param name="SecondsToRecover">Seconds from the largest load step until the lag was at or under the target again; null without a step, or if it never recovered.</param>
/// <param name="DirectionChanges">How often the scaling direction reversed.</param>
/// <param name="MaxDirectionChangesPerWindow">The most reversals within one stabilization window.</param>
/// <param name="MemberSeconds">Cost: the sum over seconds of the members asked for.</param>
/// <param name="OracleMemberSeconds">The oracle's cost.</param>
public sealed record AutoscaleSimResult(
    AutoscaleSimSettings Settings,
    IReadOnlyList<SimSecond> Timeline,
    IReadOnlyList<AutoscaleDecision> Changes,
    double MaxLag,
    int? SecondsToRecover,
    int DirectionChanges,
    int MaxDirectionChangesPerWindow,
    long MemberSeconds,
    long OracleMemberSeconds);
