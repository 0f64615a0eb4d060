using Shoal.Cluster;
using Shoal.Cluster.Leases;
using Shoal.Engine;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>A graceful stop (<see cref="ClusterMember.StopAsync"/>) when the coordination store fails under it, on a fake clock.</summary>
public sealed class ClusterMemberStopTests
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_lease_release_that_fails_during_a_graceful_stop_does_not_fail_the_stop_and_the_lease_expires_after_the_ttl()
    {
        // Found by the simulation (seeds 4, 22, 31): the store failed the release of a drained, committed partition, and
        // StopAsync threw. The stop must finish; the next owner takes the partition once the lease expires.
        await using var cluster = new ClusterHarness(partitions: 4, Heartbeat, Ttl, new TestClock());
        var flaky = new FlakyUpdatesEngine(cluster.Engine, CoordinationKeys.LeasesRoot);
        var m1 = await cluster.StartNodeAsync("m1", engine: flaky);
        await cluster.RunUntilAsync(() => m1.Member.OwnedPartitions.Count == 4, "m1 owns every partition");

        flaky.FailNextUpdates(int.MaxValue);
        await cluster.LeaveAsync(m1).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(flaky.Failed >= 4, $"every release should have failed; {flaky.Failed} updates failed");
        Assert.Empty(await ClusterRecords.ListMembersAsync(cluster.Engine.Coordination, ClusterHarness.Group)); // it left
        var leases = await new PartitionLeases(cluster.Engine.Coordination, ClusterHarness.Topic, ClusterHarness.Group, cluster.Clock!, Ttl).ListAsync(CancellationToken.None);
        Assert.All(Enumerable.Range(0, 4), p => Assert.Equal("m1", leases[p].Owner)); // not released

        var m2 = await cluster.StartNodeAsync("m2");
        await cluster.RunUntilAsync(() => m2.Member.OwnedPartitions.Count == 4, "m2 takes every partition once m1's leases expire", seconds: 20);
        Assert.All(m2.Member.OwnedPartitions.Values, epoch => Assert.Equal(2, epoch));
    }
}
