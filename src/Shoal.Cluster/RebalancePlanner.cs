using Shoal.Cluster.Leases;

namespace Shoal.Cluster;

/// <summary>
/// The decision half of a rebalance step, with no I/O: from the live members, the lease records and what this
/// member holds, it computes the target assignment and what to hand over and what to take. <see cref="ClusterMember"/>
/// carries the plan out through leases; tests (and the simulation) drive the planner directly.
/// </summary>
internal static class RebalancePlanner
{
    /// <summary>What a member knows at the start of a step.</summary>
    /// <param name="Me">This member's id.</param>
    /// <param name="Members">Live members with their (health-adjusted) weights, this member included.</param>
    /// <param name="Leases">Every lease record that exists, by partition.</param>
    /// <param name="Held">Partitions this member holds (renewed this step).</param>
    /// <param name="Releasing">Held partitions already being handed over.</param>
    /// <param name="Partitions">The topic's partition count.</param>
    /// <param name="NowMs">Now, in Unix milliseconds, for lease expiry.</param>
    /// <param name="RevokeAfterMs">A partition released (handed over) this long ago and still not taken goes to another member; 0: never.</param>
    internal sealed record Input(
        string Me,
        IReadOnlyList<AssignmentMember> Members,
        IReadOnlyDictionary<int, PartitionLease> Leases,
        IReadOnlySet<int> Held,
        IReadOnlySet<int> Releasing,
        int Partitions,
        long NowMs,
        long RevokeAfterMs = 0);

    /// <summary>What to do: the target, the partitions to hand over, the free partitions to take (in order), and the hand-overs revoked (partition, the member that did not take it, the one it goes to).</summary>
    internal sealed record Plan(Assignment Target, IReadOnlyList<int> HandOver, IReadOnlyList<int> Take, IReadOnlyList<(int Partition, string From, string To)> Revoked);

    public static Plan Decide(Input input, IAssignor assignor)
    {
        var live = input.Members.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);

        // Previous owners: unexpired leases held by live members (what the sticky assignors keep in place).
        var owners = new string?[input.Partitions];
        foreach (var (partition, lease) in input.Leases)
        {
            if (partition < owners.Length && IsHeld(lease, input.NowMs) && live.Contains(lease.Owner))
            {
                owners[partition] = lease.Owner;
            }
        }

        var target = assignor.Assign(input.Members, input.Partitions, Assignment.FromOwners(owners));
        var revoked = Revoke(input, ref target);
        var handOver = input.Held
            .Where(p => !input.Releasing.Contains(p) && target.OwnerOf(p) != input.Me)
            .Order()
            .ToList();

        // Take only what is ours and free now: a partition a live member still holds is handed over by it first
        // (cooperative), and a crashed member's lease must expire.
        var take = target.PartitionsOf(input.Me)
            .Where(p => !input.Held.Contains(p) && IsFree(input.Leases.GetValueOrDefault(p), input.Me, input.NowMs))
            .ToList();
        return new Plan(target, handOver, take, revoked);
    }

    /// <summary>
    /// A hand-over to a member that has not taken the partition within <see cref="Input.RevokeAfterMs"/> of its release
    /// (it cannot reach the store, or it is stuck) is revoked: the partition goes to the member with the fewest
    /// partitions in the target (ties: the lower id) among the others that take partitions. A pure function of the
    /// inputs, so every member revokes the same partitions to the same members; the next step, with the partition held,
    /// assigns as usual.
    /// </summary>
    private static List<(int, string, string)> Revoke(Input input, ref Assignment target)
    {
        var revoked = new List<(int, string, string)>();
        if (input.RevokeAfterMs <= 0)
        {
            return revoked;
        }

        string?[]? owners = null;
        foreach (var (partition, lease) in input.Leases.OrderBy(l => l.Key))
        {
            if (partition >= input.Partitions || lease.Owner.Length > 0 || lease.ExpiresAtMs <= 0
                || input.NowMs - lease.ExpiresAtMs < input.RevokeAfterMs || target.OwnerOf(partition) is not { } slow)
            {
                continue;
            }

            owners ??= [.. Enumerable.Range(0, input.Partitions).Select(target.OwnerOf)];
            var counts = owners.Where(o => o is not null).GroupBy(o => o!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var other = input.Members
                .Where(m => m.Weight > 0 && m.Id != slow)
                .OrderBy(m => counts.GetValueOrDefault(m.Id))
                .ThenBy(m => m.Id, StringComparer.Ordinal)
                .FirstOrDefault();
            if (other is null)
            {
                continue;
            }

            owners[partition] = other.Id;
            revoked.Add((partition, slow, other.Id));
        }

        if (owners is not null)
        {
            target = Assignment.FromOwners(owners);
        }

        return revoked;
    }

    private static bool IsHeld(PartitionLease lease, long nowMs) => lease.Owner.Length > 0 && lease.ExpiresAtMs > nowMs;

    private static bool IsFree(PartitionLease lease, string me, long nowMs) =>
        lease.Owner is null || !IsHeld(lease, nowMs) || lease.Owner == me;
}
