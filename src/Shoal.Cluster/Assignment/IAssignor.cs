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

/// <summary>Creates the built-in assignors.</summary>
public static class Assignors
{
    /// <summary>The default number of points per member on the consistent-hashing ring.</summary>
    public const int DefaultVirtualNodes = 100;

    /// <summary>
    /// The assignor for <paramref name="kind"/>. <paramref name="virtualNodes"/> (1 … 10,000) is the number of
    /// ring points per member for <see cref="AssignorKind.ConsistentHashing"/> and is ignored otherwise.
    /// </summary>
    public static IAssignor Create(AssignorKind kind, int virtualNodes = DefaultVirtualNodes)
    {
        OptionChecks.Defined("kind", kind);
        OptionChecks.Range("virtualNodes", virtualNodes, 1, 10_000);
        return kind switch
        {
            AssignorKind.RoundRobin => RoundRobinAssignor.Instance,
            AssignorKind.Range => RangeAssignor.Instance,
            AssignorKind.Sticky => StickyAssignor.Instance,
            AssignorKind.ConsistentHashing => new ConsistentHashingAssignor(virtualNodes),
            AssignorKind.Weighted => WeightedAssignor.Instance,
            _ => throw new ShoalConfigurationException("kind", $"'{kind}' is not supported."),
        };
    }
}
