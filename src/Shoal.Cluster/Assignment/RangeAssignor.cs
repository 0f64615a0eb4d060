namespace Shoal.Cluster;

/// <summary>
/// Kafka's RangeAssignor: members sorted by id get contiguous ranges of ⌊P/N⌋ partitions, the first P mod N
/// one more. Balanced within ±1; ignores the previous assignment.
/// </summary>
internal sealed class RangeAssignor : IAssignor
{
    public static RangeAssignor Instance { get; } = new();

    public AssignorKind Kind => AssignorKind.Range;

    public Assignment Assign(IReadOnlyList<AssignmentMember> members, int partitions, Assignment previous)
    {
        var sorted = AssignorInput.Prepare(members, partitions, previous);
        if (sorted.Length == 0)
        {
            return Assignment.Empty;
        }

        var owners = new string?[partitions];
        var each = partitions / sorted.Length;
        var extra = partitions % sorted.Length;
        var p = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            var count = each + (i < extra ? 1 : 0);
            for (var k = 0; k < count; k++)
            {
                owners[p++] = sorted[i].Id;
            }
        }

        return Assignment.FromOwnersUnchecked(owners);
    }
}
