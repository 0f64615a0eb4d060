namespace Shoal.Cluster;

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
