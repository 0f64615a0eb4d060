namespace Shoal.Cluster;

/// <summary>
/// A pure assignment function: the same members, partition count and previous assignment always give the same
/// result, whatever order the members are listed in. Any member may compute it; it is acted on only through leases.
/// </summary>
public interface IAssignor
{
    /// <summary>The strategy this assignor implements.</summary>
    AssignorKind Kind { get; }

    /// <summary>
    /// Assigns partitions 0 … <paramref name="partitions"/> − 1 to <paramref name="members"/>. Every partition
    /// gets exactly one owner unless no member has a positive weight, in which case the result is
    /// <see cref="Assignment.Empty"/>. <paramref name="previous"/> (use <see cref="Assignment.Empty"/> for none)
    /// may name members that are gone and partitions that no longer exist; both are ignored.
    /// </summary>
    /// <exception cref="ShoalConfigurationException">
    /// <paramref name="partitions"/> is negative, a member id is empty or repeated (<c>members</c>), or a weight
    /// is negative, NaN or infinite (<c>AssignmentMember.Weight</c>).
    /// </exception>
    Assignment Assign(IReadOnlyList<AssignmentMember> members, int partitions, Assignment previous);
}
