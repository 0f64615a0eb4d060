namespace Shoal.Cluster;

/// <summary>
/// Balanced within ±1 with minimal movement. Quotas are ⌊P/N⌋ or ⌈P/N⌉, exactly P mod N members getting the
/// larger one, preferring the members that owned the most before (ties: lower id). Then
/// <see cref="StickyPlacement"/> keeps previous owners up to their quota and hands out the rest. From a sticky
/// assignment of N members, one member joining moves at most ⌈P/(N+1)⌉ partitions, and one leaving moves
/// only the partitions it owned.
/// </summary>
internal sealed class StickyAssignor : IAssignor
{
    public static StickyAssignor Instance { get; } = new();

    public AssignorKind Kind => AssignorKind.Sticky;

    public Assignment Assign(IReadOnlyList<AssignmentMember> members, int partitions, Assignment previous)
    {
        var sorted = AssignorInput.Prepare(members, partitions, previous);
        if (sorted.Length == 0)
        {
            return Assignment.Empty;
        }

        var owned = AssignorInput.PreviousCounts(sorted, partitions, previous, out var index);
        var rank = new int[sorted.Length];
        for (var i = 0; i < rank.Length; i++)
        {
            rank[i] = i;
        }

        Array.Sort(rank, (a, b) => owned[a] != owned[b] ? owned[b].CompareTo(owned[a]) : a.CompareTo(b));

        var quotas = new int[sorted.Length];
        var each = partitions / sorted.Length;
        var extra = partitions % sorted.Length;
        for (var r = 0; r < rank.Length; r++)
        {
            quotas[rank[r]] = each + (r < extra ? 1 : 0);
        }

        return StickyPlacement.Place(sorted, quotas, partitions, previous, index);
    }
}
