namespace Shoal.Cluster.Autoscaling;

/// <summary>What the supervisor's autoscaler answered for one interval.</summary>
/// <param name="Decision">The policy's decision (its desired count is clamped to the supervisor's bounds).</param>
/// <param name="Sample">What the observer measured, when it measured anything (shown in the decision event).</param>
public sealed record SupervisorTick(AutoscaleDecision Decision, AutoscaleSample? Sample);
