namespace Shoal.Cluster;

/// <summary>What a group looks like in the coordination store and the log at one moment (see <see cref="ClusterStatus"/>).</summary>
/// <param name="Group">The group.</param>
/// <param name="At">When it was read (from the reader's clock).</param>
/// <param name="Members">Every member record of the group, live or not, by id.</param>
/// <param name="Topics">Every topic the group has committed offsets or leases for.</param>
public sealed record GroupStatus(string Group, DateTimeOffset At, IReadOnlyList<MemberStatus> Members, IReadOnlyList<GroupTopicStatus> Topics);
