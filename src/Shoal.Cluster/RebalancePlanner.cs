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
    internal sealed record Input(
        string Me,
        IReadOnlyList<AssignmentMember> Members,
        IReadOnlyDictionary<int, PartitionLease> Leases,
        IReadOnlySet<int> Held,
        IReadOnlySet<int> Releasing,
        int Partitions,
        long NowMs);

    /// <summary>What to do: the target, the partitions to hand over, the free partitions to take (in order).</summary>
    internal sealed record Plan(Assignment Target, IReadOnlyList<int> HandOver, IReadOnlyList<int> Take);

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
        var handOver = input.Held
            .Where(p => !input.Releasing.Contains(p) && target.OwnerOf(p) != input.Me)
            .Order()
            .ToList();

        // Take only what is ours and free now: a partition a live member still holds is handed over by it first
        // (cooperative), and a crashed member's lease must expire.
        var take = target.PartitionsOf(input.Me)
            .Where(p => !input.Held.Contains(p) && IsFree(input.Leases.GetValueOrDefault(p), input.Me, input.NowMs))
            .ToList();
        return new Plan(target, handOver, take);
    }

    private static bool IsHeld(PartitionLease lease, long nowMs) => lease.Owner.Length > 0 && lease.ExpiresAtMs > nowMs;

    private static bool IsFree(PartitionLease lease, string me, long nowMs) =>
        lease.Owner is null || !IsHeld(lease, nowMs) || lease.Owner == me;
}
