using Shoal.Cluster;
using Xunit;

namespace Shoal.Tests.Cluster;

public sealed class HealthTiersTests
{
    private static MemberRecord Member(string id, MemberHealth health, double weight) =>
        new() { MemberId = id, Incarnation = "0000000000000001", Health = health, Weight = weight };

    private static Dictionary<string, double> Weights(params MemberRecord[] live) =>
        HealthTiers.Candidates(live).ToDictionary(m => m.Id, m => m.Weight);

    [Fact]
    public void While_a_member_is_healthy_degraded_and_unhealthy_members_take_no_partitions()
    {
        var weights = Weights(Member("a", MemberHealth.Healthy, 2), Member("b", MemberHealth.Degraded, 0.5), Member("c", MemberHealth.Unhealthy, 0));
        Assert.Equal(new Dictionary<string, double> { ["a"] = 2, ["b"] = 0, ["c"] = 0 }, weights);

        // Under every assignor a member of weight 0 gets nothing: the degraded member hands its partitions over.
        var assignment = Assignors.Create(AssignorKind.Sticky).Assign(HealthTiers.Candidates(
            [Member("a", MemberHealth.Healthy, 1), Member("b", MemberHealth.Degraded, 0.5)]), 12, Assignment.Empty);
        Assert.All(Enumerable.Range(0, 12), p => Assert.Equal("a", assignment.Owners[p]));
    }

    [Fact]
    public void With_no_healthy_member_the_degraded_ones_share_by_weight()
    {
        var weights = Weights(Member("a", MemberHealth.Degraded, 0.5), Member("b", MemberHealth.Degraded, 1), Member("c", MemberHealth.Unhealthy, 0));
        Assert.Equal(new Dictionary<string, double> { ["a"] = 0.5, ["b"] = 1, ["c"] = 0 }, weights);
    }

    [Fact]
    public void When_every_member_is_unhealthy_they_share_equally_rather_than_stop_the_group()
    {
        var weights = Weights(Member("a", MemberHealth.Unhealthy, 0), Member("b", MemberHealth.Unhealthy, 0));
        Assert.Equal(new Dictionary<string, double> { ["a"] = 1, ["b"] = 1 }, weights);

        // Degraded members publish weight 0 when DegradedWeightFactor is 0: they share too, a drained healthy one does not.
        weights = Weights(Member("a", MemberHealth.Degraded, 0), Member("b", MemberHealth.Unhealthy, 0), Member("standby", MemberHealth.Healthy, 0));
        Assert.Equal(new Dictionary<string, double> { ["a"] = 1, ["b"] = 1, ["standby"] = 0 }, weights);
    }

    [Fact]
    public void A_healthy_member_of_weight_zero_drains_and_does_not_demote_the_others()
    {
        // Weight 0 is the operator's "take nothing": it does not make the Degraded members stand aside.
        var weights = Weights(Member("standby", MemberHealth.Healthy, 0), Member("b", MemberHealth.Degraded, 0.5));
        Assert.Equal(new Dictionary<string, double> { ["standby"] = 0, ["b"] = 0.5 }, weights);
    }
}
