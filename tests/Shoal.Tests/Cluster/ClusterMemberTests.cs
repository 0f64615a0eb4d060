using Shoal.Cluster;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>
/// Several members of one group on the in-process engine, on a fake clock moved in lockstep (heartbeat 50 ms, TTL
/// 400 ms unless stated): how long a takeover or a hand-over takes is measured in virtual time, exactly.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ClusterMemberTests
{
    [Fact]
    public async Task Three_members_share_the_partitions_and_handle_every_event_once_in_order()
    {
        await using var cluster = new ClusterHarness(partitions: 12, clock: new TestClock());
        var nodes = new[] { await cluster.StartNodeAsync("m1"), await cluster.StartNodeAsync("m2"), await cluster.StartNodeAsync("m3") };
        await cluster.BalancedAsync(nodes);
        Assert.All(nodes, n => Assert.Equal(4, n.Member.OwnedPartitions.Count));

        await cluster.PublishAsync(keys: 60, perKey: 50);
        await cluster.UntilAsync(() => cluster.Handled.Count >= 3000, "all events handled");

        var (missing, violations, duplicates) = cluster.Check(60, 50);
        Assert.Equal((0, 0, 0), (missing, violations, duplicates));
        Assert.Equal(3, cluster.Handled.Select(h => h.Member).Distinct().Count());
    }

    [Fact]
    public async Task A_members_record_reports_its_handling_rate_as_its_load()
    {
        await using var cluster = new ClusterHarness(partitions: 4, clock: new TestClock());
        var m1 = await cluster.StartNodeAsync("m1");
        await cluster.BalancedAsync([m1]);
        await cluster.StepAsync(); // a heartbeat interval with nothing handled
        Assert.Equal(0, (await RecordAsync(cluster)).Load.EventsPerSecond);

        // A wave handled within one interval (handling needs no time to pass): the next beat reports it over that interval.
        await cluster.PublishAsync(keys: 20, perKey: 50);
        await Wait.UntilAsync(() => m1.Group.Counts.Handled == 1000, "the wave handled");
        await cluster.StepAsync();

        Assert.Equal(1000 / cluster.Cluster.HeartbeatInterval.TotalSeconds, (await RecordAsync(cluster)).Load.EventsPerSecond);
    }

    [Fact]
    public async Task A_crashed_members_partitions_are_taken_over_after_the_ttl_and_nothing_is_lost()
    {
        await using var cluster = new ClusterHarness(partitions: 12, clock: new TestClock());
        var m1 = await cluster.StartNodeAsync("m1");
        var m2 = await cluster.StartNodeAsync("m2");
        var m3 = await cluster.StartNodeAsync("m3");
        await cluster.BalancedAsync([m1, m2, m3]);
        await cluster.PublishAsync(keys: 60, perKey: 20);
        await cluster.UntilAsync(() => cluster.Handled.Count >= 1200, "first wave handled");
        var orphaned = m3.Member.OwnedPartitions.Keys.ToHashSet();

        var crashedAt = cluster.Clock!.GetUtcNow();
        await cluster.CrashAsync(m3); // no hand-over, no commit, no release
        await cluster.PublishAsync(keys: 60, perKey: 20, from: 20);

        await cluster.BalancedAsync([m1, m2]);
        // m3 renewed its leases at most one heartbeat before it crashed: nobody may take them before they expire.
        var takenAfter = cluster.Clock.GetUtcNow() - crashedAt;
        Assert.True(takenAfter >= cluster.Cluster.SessionTtl - cluster.Cluster.HeartbeatInterval, $"taken over {takenAfter} after the crash, before the TTL");
        await cluster.UntilAsync(() => cluster.Check(60, 40).Missing == 0, "every event handled after the failover");
        var (_, violations, _) = cluster.Check(60, 40);
        Assert.Equal(0, violations);
        Assert.All(orphaned, p => Assert.True(m1.Member.OwnedPartitions.ContainsKey(p) || m2.Member.OwnedPartitions.ContainsKey(p)));
        Assert.All(orphaned, p => Assert.True((m1.Member.OwnedPartitions.GetValueOrDefault(p) + m2.Member.OwnedPartitions.GetValueOrDefault(p)) >= 2, "taken over under a new epoch"));
    }

    [Fact]
    public async Task A_graceful_leave_hands_partitions_over_at_once_without_duplicates()
    {
        await using var cluster = new ClusterHarness(partitions: 8, ttl: TimeSpan.FromSeconds(30), clock: new TestClock()); // a leave must not wait for the TTL
        var m1 = await cluster.StartNodeAsync("m1");
        var m2 = await cluster.StartNodeAsync("m2");
        await cluster.BalancedAsync([m1, m2]);
        await cluster.PublishAsync(keys: 40, perKey: 20);
        await cluster.UntilAsync(() => cluster.Handled.Count >= 800, "first wave handled");

        var leftAt = cluster.Clock!.GetUtcNow();
        await cluster.LeaveAsync(m2);
        await cluster.PublishAsync(keys: 40, perKey: 20, from: 20);

        await cluster.BalancedAsync([m1]);
        var handedOverIn = cluster.Clock.GetUtcNow() - leftAt;
        Assert.True(handedOverIn < cluster.Cluster.SessionTtl, $"the hand-over took {handedOverIn}: it waited for the TTL");
        await cluster.UntilAsync(() => cluster.Check(40, 40).Missing == 0, "every event handled after the leave");
        Assert.Equal((0, 0, 0), cluster.Check(40, 40));
    }

    [Fact]
    public async Task When_a_member_joins_partitions_that_stay_are_never_restarted()
    {
        await using var cluster = new ClusterHarness(partitions: 12, clock: new TestClock());
        var m1 = await cluster.StartNodeAsync("m1");
        var m2 = await cluster.StartNodeAsync("m2");
        await cluster.BalancedAsync([m1, m2]);
        var before = m1.Member.OwnedPartitions.Concat(m2.Member.OwnedPartitions).ToDictionary();

        var m3 = await cluster.StartNodeAsync("m3");
        await cluster.BalancedAsync([m1, m2, m3]);

        var after = m1.Member.OwnedPartitions.Concat(m2.Member.OwnedPartitions).ToDictionary();
        var stayed = after.Where(p => before.ContainsKey(p.Key)).ToList();
        Assert.Equal(4, m3.Member.OwnedPartitions.Count);
        Assert.Equal(8, stayed.Count);
        Assert.All(stayed, p => Assert.Equal(before[p.Key], p.Value)); // same epoch: never released or retaken
    }

    private static async Task<MemberRecord> RecordAsync(ClusterHarness cluster) =>
        (await ClusterRecords.ListMembersAsync(cluster.Engine.Coordination, ClusterHarness.Group)).Single();
}
