namespace Shoal.Cluster;

/// <summary>How well a member is doing, as it reports in its heartbeat record.</summary>
public enum MemberHealth
{
    /// <summary>Working normally: gets its full weight of partitions (Healthy members take all of them while there are any; see docs/cluster.md).</summary>
    Healthy,

    /// <summary>
    /// Errors, stalls, engine trouble or lost leases above the thresholds: gets no partitions while a Healthy member is
    /// live; with none, the Degraded members share them (by weight × <see cref="HealthOptions.DegradedWeightFactor"/>).
    /// </summary>
    Degraded,

    /// <summary>Failing: its weight drops to 0, so it gives up its partitions until it recovers (unless every live member is Unhealthy: then they share equally).</summary>
    Unhealthy,
}
