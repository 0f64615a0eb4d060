namespace Shoal.Cluster;

/// <summary>
/// Places partitions given a quota per member while moving as few as possible: every partition stays with its
/// previous owner while that owner is still a member and under its quota (lowest partition numbers kept first);
/// the rest go, in ascending order, to the member with the most room left (ties: lower id).
/// </summary>
internal static class StickyPlacement
{
    public static Assignment Place(AssignmentMember[] members, int[] quotas, int partitions, Assignment previous, Dictionary<string, int> index)
    {
        var owners = new string?[partitions];
        var load = new int[members.Length];
        var orphans = new List<int>();
        for (var p = 0; p < partitions; p++)
        {
            if (previous.OwnerOf(p) is { } owner && index.TryGetValue(owner, out var i) && load[i] < quotas[i])
            {
                owners[p] = members[i].Id;
                load[i]++;
            }
            else
            {
                orphans.Add(p);
            }
        }

        // Most room first, then lowest index (= lowest id): the priority is unique, so the order is deterministic.
        var room = new PriorityQueue<int, (int NegativeRoom, int Index)>();
        for (var i = 0; i < members.Length; i++)
        {
            if (quotas[i] > load[i])
            {
                room.Enqueue(i, (load[i] - quotas[i], i));
            }
        }

        foreach (var p in orphans)
        {
            var i = room.Dequeue();
            owners[p] = members[i].Id;
            load[i]++;
            if (quotas[i] > load[i])
            {
                room.Enqueue(i, (load[i] - quotas[i], i));
            }
        }

        return Assignment.FromOwnersUnchecked(owners);
    }
}
