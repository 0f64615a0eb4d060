namespace Shoal.Cluster;

/// <summary>Members sorted by id; partition p → member p mod N. Balanced within ±1; ignores the previous assignment.</summary>
internal sealed class RoundRobinAssignor : IAssignor
{
    public static RoundRobinAssignor Instance { get; } = new();

    public AssignorKind Kind => AssignorKind.RoundRobin;

    public Assignment Assign(IReadOnlyList<AssignmentMember> members, int partitions, Assignment previous)
    {
        var sorted = AssignorInput.Prepare(members, partitions, previous);
        if (sorted.Length == 0)
        {
            return Assignment.Empty;
        }

        var owners = new string?[partitions];
        for (var p = 0; p < partitions; p++)
        {
            owners[p] = sorted[p % sorted.Length].Id;
        }

        return Assignment.FromOwnersUnchecked(owners);
    }
}
