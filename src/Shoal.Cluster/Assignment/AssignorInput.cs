namespace Shoal.Cluster;

/// <summary>Input checks and normalisation shared by every assignor.</summary>
internal static class AssignorInput
{
    /// <summary>
    /// Validates the arguments and returns the members that take partitions (weight &gt; 0), sorted by id
    /// (ordinal), so that the result never depends on the order the caller listed them in.
    /// </summary>
    public static AssignmentMember[] Prepare(IReadOnlyList<AssignmentMember> members, int partitions, Assignment previous)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(previous);
        if (partitions < 0)
        {
            throw new ShoalConfigurationException(nameof(partitions), $"must not be negative; was {partitions}.");
        }

        var sorted = new AssignmentMember[members.Count];
        for (var i = 0; i < sorted.Length; i++)
        {
            var member = members[i] ?? throw new ShoalConfigurationException(nameof(members), $"member {i} is null.");
            member.Validate();
            sorted[i] = member;
        }

        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        for (var i = 1; i < sorted.Length; i++)
        {
            if (string.Equals(sorted[i - 1].Id, sorted[i].Id, StringComparison.Ordinal))
            {
                throw new ShoalConfigurationException(nameof(members), $"member id '{sorted[i].Id}' appears more than once.");
            }
        }

        return Array.FindAll(sorted, static m => m.Weight > 0);
    }

    /// <summary>For each member (by index in <paramref name="members"/>), how many of partitions 0 … P − 1 it owned before.</summary>
    public static int[] PreviousCounts(AssignmentMember[] members, int partitions, Assignment previous, out Dictionary<string, int> index)
    {
        index = new Dictionary<string, int>(members.Length, StringComparer.Ordinal);
        for (var i = 0; i < members.Length; i++)
        {
            index.Add(members[i].Id, i);
        }

        var counts = new int[members.Length];
        var shared = Math.Min(partitions, previous.PartitionCount);
        for (var p = 0; p < shared; p++)
        {
            if (previous.Owners[p] is { } owner && index.TryGetValue(owner, out var i))
            {
                counts[i]++;
            }
        }

        return counts;
    }
}
