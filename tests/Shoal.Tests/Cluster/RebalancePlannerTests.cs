using Shoal.Cluster;
using Shoal.Cluster.Leases;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>The rebalance decisions, without I/O: inputs in, plan out.</summary>
public sealed class RebalancePlannerTests
{
    private const long Now = 1_000_000;
    private static readonly IAssignor Sticky = Assignors.Create(AssignorKind.Sticky);

    private static PartitionLease Lease(int partition, string owner, long epoch = 1, long expiresAt = Now + 5_000) =>
        new(partition, owner, epoch, expiresAt, Revision: 1);

    private static RebalancePlanner.Plan Decide(string me, string[] members, PartitionLease[] leases, int[]? held = null, int[]? releasing = null, int partitions = 4, long revokeAfter = 0) =>
        RebalancePlanner.Decide(
            new RebalancePlanner.Input(
                me,
                [.. members.Select(m => new AssignmentMember(m))],
                leases.ToDictionary(l => l.Partition),
                (held ?? []).ToHashSet(),
                (releasing ?? []).ToHashSet(),
                partitions,
                Now,
                revokeAfter),
            Sticky);

    [Fact]
    public void A_lone_member_takes_every_free_partition()
    {
        var plan = Decide("a", ["a"], []);

        Assert.Equal([0, 1, 2, 3], plan.Take);
        Assert.Empty(plan.HandOver);
    }

    [Fact]
    public void A_joining_member_waits_for_the_live_owner_to_hand_over_and_the_owner_hands_over_exactly_that()
    {
        PartitionLease[] leases = [Lease(0, "a"), Lease(1, "a"), Lease(2, "a"), Lease(3, "a")];

        var joiner = Decide("b", ["a", "b"], leases);
        var owner = Decide("a", ["a", "b"], leases, held: [0, 1, 2, 3]);

        Assert.Empty(joiner.Take); // still held by a live member: cooperative, no stealing
        Assert.Equal(2, owner.HandOver.Count);
        Assert.Equal(owner.Target, joiner.Target); // both compute the same target from the same inputs
        Assert.All(owner.HandOver, p => Assert.Equal("b", owner.Target.OwnerOf(p)));
    }

    [Fact]
    public void After_the_hand_over_the_joiner_takes_the_released_partitions()
    {
        PartitionLease[] leases = [Lease(0, "a"), Lease(1, "a"), Lease(2, ""), Lease(3, "")];

        var plan = Decide("b", ["a", "b"], leases);

        Assert.Equal([2, 3], plan.Take);
    }

    [Fact]
    public void A_dead_members_partitions_are_taken_only_once_its_leases_expired()
    {
        PartitionLease[] live = [Lease(0, "a"), Lease(1, "a"), Lease(2, "dead"), Lease(3, "dead")];
        PartitionLease[] expired = [Lease(0, "a"), Lease(1, "a"), Lease(2, "dead", expiresAt: Now), Lease(3, "dead", expiresAt: Now - 1)];

        var before = Decide("a", ["a"], live, held: [0, 1]);
        var after = Decide("a", ["a"], expired, held: [0, 1]);

        Assert.Equal("a", before.Target.OwnerOf(2)); // the target already gives them to a survivor...
        Assert.Empty(before.Take);                    // ...which waits for the lease to lapse
        Assert.Equal([2, 3], after.Take);
    }

    [Fact]
    public void Partitions_that_stay_are_neither_handed_over_nor_taken_again()
    {
        PartitionLease[] leases = [Lease(0, "a"), Lease(1, "b"), Lease(2, "a"), Lease(3, "b")];

        var plan = Decide("a", ["a", "b"], leases, held: [0, 2]);

        Assert.Empty(plan.HandOver);
        Assert.Empty(plan.Take);
        Assert.Equal(["a", "b", "a", "b"], plan.Target.Owners);
    }

    [Fact]
    public void A_partition_already_being_handed_over_is_not_handed_over_twice()
    {
        PartitionLease[] leases = [Lease(0, "a"), Lease(1, "a"), Lease(2, "a"), Lease(3, "a")];

        var plan = Decide("a", ["a", "b"], leases, held: [0, 1, 2, 3], releasing: [3]);

        Assert.DoesNotContain(3, plan.HandOver);
    }

    [Fact]
    public void A_restarted_member_takes_its_own_leases_back_at_once_without_moving_others()
    {
        PartitionLease[] leases = [Lease(0, "a"), Lease(1, "b"), Lease(2, "a"), Lease(3, "b")];

        var plan = Decide("a", ["a", "b"], leases, held: []);

        Assert.Equal([0, 2], plan.Take);
        Assert.Equal(["a", "b", "a", "b"], plan.Target.Owners);
    }

    [Fact]
    public void A_hand_over_not_taken_within_the_revoke_time_goes_to_another_member_and_every_member_agrees()
    {
        // a handed partitions 2 and 3 to the joiner b (released 500 ms and 300 ms ago); b has taken neither yet.
        PartitionLease[] leases = [Lease(0, "a"), Lease(1, "a"), Lease(2, "", expiresAt: Now - 500), Lease(3, "", expiresAt: Now - 300)];
        string[] members = ["a", "b"];

        var plans = members.ToDictionary(m => m, m => Decide(m, members, leases, held: m == "a" ? [0, 1] : [], revokeAfter: 400));

        // Partition 2 waited past the 400 ms: revoked to a (the only other member); 3 is still b's to take.
        Assert.Equal([(2, "b", "a")], plans["a"].Revoked);
        Assert.Equal([2], plans["a"].Take);
        Assert.Empty(plans["a"].HandOver);
        Assert.Equal([3], plans["b"].Take);
        Assert.Equal(plans["a"].Target, plans["b"].Target);
        Assert.Equal(["a", "a", "a", "b"], plans["a"].Target.Owners);
    }

    [Fact]
    public void Released_leases_without_a_release_time_expired_ones_and_a_revoke_time_of_zero_revoke_nothing()
    {
        // Records written before releases stated their time (0), a crashed owner's lease that expired long ago (the
        // target owner takes it at its next step), and revoking turned off.
        PartitionLease[] leases = [Lease(0, "a"), Lease(1, "a"), Lease(2, "", expiresAt: 0), Lease(3, "x", expiresAt: Now - 60_000)];
        Assert.Empty(Decide("a", ["a", "b"], leases, held: [0, 1], revokeAfter: 400).Revoked);

        PartitionLease[] released = [Lease(0, "a"), Lease(1, "a"), Lease(2, "", expiresAt: Now - 60_000), Lease(3, "", expiresAt: Now - 60_000)];
        Assert.Empty(Decide("a", ["a", "b"], released, held: [0, 1]).Revoked);
    }

    [Fact]
    public void A_hand_over_is_not_revoked_when_no_other_member_takes_partitions()
    {
        PartitionLease[] leases = [Lease(0, "", expiresAt: Now - 60_000)];

        var plan = Decide("b", ["b"], leases, partitions: 1, revokeAfter: 400);

        Assert.Empty(plan.Revoked);
        Assert.Equal([0], plan.Take);
    }
}
