namespace Shoal.Cluster;

/// <summary>How well a member is doing, as it reports in its heartbeat record.</summary>
public enum MemberHealth
{
    /// <summary>Working normally: gets its full weight of partitions.</summary>
    Healthy,

    /// <summary>Errors or stalls above the threshold: gets proportionally less work (<see cref="HealthOptions.DegradedWeightFactor"/>).</summary>
    Degraded,

    /// <summary>Failing: its weight drops to 0, so it gives up its partitions until it recovers.</summary>
    Unhealthy,
}
