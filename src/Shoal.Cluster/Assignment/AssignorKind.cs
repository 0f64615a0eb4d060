namespace Shoal.Cluster;

/// <summary>How a group's partitions are shared among its members (see docs/cluster.md, "Assignment strategies").</summary>
public enum AssignorKind
{
    /// <summary>Members sorted by id; partition p goes to member p mod N. Ignores the previous assignment.</summary>
    RoundRobin,

    /// <summary>Contiguous ranges; the first P mod N members get one more (Kafka's RangeAssignor).</summary>
    Range,

    /// <summary>Balanced within ±1 while moving as few partitions as possible from the previous assignment.</summary>
    Sticky,

    /// <summary>
    /// A hash ring with virtual nodes and bounded loads: no member gets more than ⌈1.25 × P / N⌉, and a join
    /// moves about P / (N + 1) partitions without looking at the previous assignment.
    /// </summary>
    ConsistentHashing,

    /// <summary>Partitions in proportion to member weight (largest remainder), placed stickily.</summary>
    Weighted,
}
