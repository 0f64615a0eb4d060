namespace Shoal;

/// <summary>Which partitions of the topic a node consumes for a group.</summary>
public enum PartitionOwnership
{
    /// <summary>Every partition: a single node, or nodes that each want every event (not load-balanced). Default.</summary>
    All,

    /// <summary>
    /// Only the partitions it is given through <c>ShoalRuntime.GetGroup(name)</c>: the cluster layer assigns them,
    /// each under a fenced lease, so that each event of the group is handled by one member.
    /// </summary>
    Assigned,
}
