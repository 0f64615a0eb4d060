namespace Shoal.Cluster;

/// <summary>
/// Partitions in proportion to weight: member i's quota is P·wᵢ/Σw rounded by the largest-remainder method
/// (largest fraction first, then the member owning the most above its floor before, then lower id), so every quota is within
/// ±1 of the exact share. Placement is sticky (<see cref="StickyPlacement"/>). Weight 0 gets nothing.
/// </summary>
internal sealed class WeightedAssignor : IAssignor
{
    public static WeightedAssignor Instance { get; } = new();

    public AssignorKind Kind => AssignorKind.Weighted;

    public Assignment Assign(IReadOnlyList<AssignmentMember> members, int partitions, Assignment previous)
    {
        var sorted = AssignorInput.Prepare(members, partitions, previous);
        if (sorted.Length == 0)
        {
            return Assignment.Empty;
        }

        var owned = AssignorInput.PreviousCounts(sorted, partitions, previous, out var index);
        var quotas = Quotas(sorted, partitions, owned);
        return StickyPlacement.Place(sorted, quotas, partitions, previous, index);
    }

    /// <summary>Largest-remainder apportionment of <paramref name="partitions"/> by weight.</summary>
    internal static int[] Quotas(AssignmentMember[] members, int partitions, int[] owned)
    {
        var total = 0.0;
        foreach (var member in members)
        {
            total += member.Weight;
        }

        var shares = new double[members.Length];
        var quotas = new int[members.Length];
        var assigned = 0;
        for (var i = 0; i < members.Length; i++)
        {
            // Divide first: P × w could overflow for huge weights; w / Σw is in (0, 1].
            shares[i] = partitions * (members[i].Weight / total);
            quotas[i] = (int)Math.Min(Math.Floor(shares[i]), partitions);
            assigned += quotas[i];
        }

        var rank = new int[members.Length];
        for (var i = 0; i < rank.Length; i++)
        {
            rank[i] = i;
        }

        Array.Sort(rank, (a, b) =>
        {
            var byFraction = (shares[b] - quotas[b]).CompareTo(shares[a] - quotas[a]);
            if (byFraction != 0)
            {
                return byFraction;
            }

            // Equal fractions (always so for equal weights): the member holding more above its floor keeps its
            // extra partition, so assigning again from the result changes nothing.
            var aboveA = owned[a] - quotas[a];
            var aboveB = owned[b] - quotas[b];
            return aboveA != aboveB ? aboveB.CompareTo(aboveA) : a.CompareTo(b);
        });

        // Mathematically 0 ≤ P − Σ⌊share⌋ < N; the loops also absorb floating-point rounding either way.
        for (var r = 0; assigned < partitions; r = (r + 1) % rank.Length)
        {
            quotas[rank[r]]++;
            assigned++;
        }

        for (var r = rank.Length - 1; assigned > partitions; r = r == 0 ? rank.Length - 1 : r - 1)
        {
            if (quotas[rank[r]] > 0)
            {
                quotas[rank[r]]--;
                assigned--;
            }
        }

        return quotas;
    }
}
