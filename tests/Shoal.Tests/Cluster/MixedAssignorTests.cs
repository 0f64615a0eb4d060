using Shoal.Cluster;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>Members of one group configured with different assignors (a rolling change of the setting), on a fake clock.</summary>
public sealed class MixedAssignorTests
{
    [Fact]
    public async Task Members_configured_with_different_assignors_all_use_the_assignor_of_the_live_member_with_the_lowest_id()
    {
        // Found by the simulation (seed 6). With 2 members and 4 partitions, round robin gives m1 {0, 2} and m2 {1, 3};
        // range gives m1 {0, 1} and m2 {2, 3}. Had each member used its own, m1 (round robin) would hand partition 1
        // over to m2, and m2 (range) would leave it to m1: nobody would ever take it.
        await using var cluster = new ClusterHarness(partitions: 4, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), new TestClock());
        var m1 = await cluster.StartNodeAsync("m1", member: m => m with { Assignor = AssignorKind.RoundRobin });
        await cluster.RunUntilAsync(() => m1.Member.OwnedPartitions.Count == 4, "m1 owns every partition");
        var m2 = await cluster.StartNodeAsync("m2", member: m => m with { Assignor = AssignorKind.Range });

        await cluster.RunUntilAsync(
            () => m1.Member.OwnedPartitions.Count == 2 && m2.Member.OwnedPartitions.Count == 2
                && m2.Member.LiveMembers.Count == 2 && m1.Member.LiveMembers.Count == 2,
            "every partition owned, two each");

        Assert.Equal(new[] { 0, 2 }, m1.Member.OwnedPartitions.Keys.Order());
        Assert.Equal(new[] { 1, 3 }, m2.Member.OwnedPartitions.Keys.Order());
        Assert.Equal(m1.Member.TargetAssignment, m2.Member.TargetAssignment);
    }
}
