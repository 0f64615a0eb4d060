namespace Shoal.Cluster.Autoscaling;

/// <summary>The policy's answer for one set of inputs.</summary>
/// <param name="At">When the inputs were measured.</param>
/// <param name="CurrentMembers">The members there were.</param>
/// <param name="DesiredMembers">The members there should be (within min/max and the partition cap).</param>
/// <param name="Recommendation">The unstabilized count for these inputs alone (after the tolerance band and bounds).</param>
/// <param name="RequiredRate">Events per second needed: arrivals plus draining the backlog within the target time.</param>
/// <param name="Lag">Total lag the decision saw.</param>
/// <param name="MaxUsefulMembers">The cap: min(max, partitions × members per partition), never below min.</param>
/// <param name="Reason">Why.</param>
public sealed record AutoscaleDecision(
    DateTimeOffset At,
    int CurrentMembers,
    int DesiredMembers,
    int Recommendation,
    double RequiredRate,
    long Lag,
    int MaxUsefulMembers,
    AutoscaleReason Reason)
{
    /// <summary>+1 to add members, −1 to remove some, 0 to keep the count.</summary>
    public int Direction => Math.Sign(DesiredMembers - CurrentMembers);
}
