namespace Shoal.Cluster.Autoscaling;

/// <summary>Why the policy chose its member count.</summary>
public enum AutoscaleReason
{
    /// <summary>The needed capacity is within the tolerance band of the current members: no change.</summary>
    Steady,

    /// <summary>Every recommendation of the scale-up window asked for more members.</summary>
    ScaleUp,

    /// <summary>Every recommendation of the scale-down window asked for fewer members.</summary>
    ScaleDown,

    /// <summary>More members are recommended, but not yet for the whole scale-up window.</summary>
    WaitingForScaleUpWindow,

    /// <summary>Fewer members are recommended, but not yet for the whole scale-down window.</summary>
    WaitingForScaleDownWindow,

    /// <summary>A change would be made, but the last one was less than the cooldown ago.</summary>
    Cooldown,

    /// <summary>The current count is outside [min, max] (or above what the partitions can use) and is brought inside at once.</summary>
    Bounds,

    /// <summary>No per-member throughput is known yet, so no capacity can be computed: the count stays.</summary>
    NoThroughputEstimate,

    /// <summary>
    /// The lag is drained and the arrivals of a whole scale-up window needed at most
    /// <see cref="AutoscaleOptions.DeepDropFraction"/> of the members: down after the short window, not the long one.
    /// </summary>
    DeepDrop,
}

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
