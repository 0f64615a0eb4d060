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
