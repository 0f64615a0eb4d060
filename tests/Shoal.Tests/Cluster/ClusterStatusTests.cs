using Microsoft.Extensions.Time.Testing;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>The library's status model judges each member by the session TTL in its own record.</summary>
public sealed class ClusterStatusTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_member_is_live_by_its_own_session_ttl_not_the_readers_default()
    {
        var time = new FakeTimeProvider(T0);
        await using var engine = InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = time });
        await Write(engine, new MemberRecord { MemberId = "quick", Incarnation = "01", HeartbeatAt = T0, SessionTtl = TimeSpan.FromSeconds(1) });
        await Write(engine, new MemberRecord { MemberId = "old", Incarnation = "02", HeartbeatAt = T0 });
        time.Advance(TimeSpan.FromSeconds(2));

        var status = await ClusterStatus.ReadGroupAsync(engine, "billing", TimeSpan.FromSeconds(30), time);

        var members = status!.Members.ToDictionary(m => m.Record.MemberId);
        Assert.False(members["quick"].Live);
        Assert.True(members["old"].Live);
        Assert.Equal(TimeSpan.FromSeconds(2), members["quick"].HeartbeatAge);
    }

    [Fact]
    public async Task Partitions_show_each_lease_state_and_members_their_session_ttl()
    {
        var time = new FakeTimeProvider(T0);
        await using var engine = InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = time });
        await engine.Log.CreateTopicAsync(new Shoal.TopicOptions { Name = "orders", Partitions = 4 });
        await Write(engine, new MemberRecord { MemberId = "old", Incarnation = "02", HeartbeatAt = T0 });
        var expiry = T0.AddSeconds(5).ToUnixTimeMilliseconds();
        await Lease(engine, 0, new Shoal.Cluster.Leases.LeaseRecord("old", 3, expiry));
        await Lease(engine, 1, new Shoal.Cluster.Leases.LeaseRecord(string.Empty, 2, expiry));
        await Lease(engine, 2, new Shoal.Cluster.Leases.LeaseRecord("gone", 4, T0.ToUnixTimeMilliseconds()));
        Assert.NotNull(await engine.Coordination.TryCreateAsync(CoordinationKeys.Offset("orders", "billing", 3), new CommittedOffset(0, 1).Encode()));
        time.Advance(TimeSpan.FromSeconds(1));

        var groups = await ClusterStatus.ReadGroupsAsync(engine, null, TimeSpan.FromSeconds(30), time);

        var status = Assert.Single(groups);
        Assert.Equal(TimeSpan.FromSeconds(30), Assert.Single(status.Members).SessionTtl);
        var partitions = Assert.Single(status.Topics).Partitions;
        Assert.Equal([LeaseState.Held, LeaseState.Released, LeaseState.Expired, LeaseState.None], partitions.Select(p => p.Lease));
        Assert.Equal([(string?)"old", null, null, null], partitions.Select(p => p.Owner));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(expiry), partitions[0].LeaseExpiresAt);
        Assert.Null(partitions[1].LeaseExpiresAt);
        Assert.Equal(T0, partitions[2].LeaseExpiresAt);
        Assert.Equal([3L, 2, 4, 1], partitions.Select(p => p.Epoch));
    }

    private static async Task Lease(Shoal.Engine.IShoalEngine engine, int partition, Shoal.Cluster.Leases.LeaseRecord lease) =>
        Assert.NotNull(await engine.Coordination.TryCreateAsync(CoordinationKeys.Lease("orders", "billing", partition), lease.Encode()));

    private static async Task Write(Shoal.Engine.IShoalEngine engine, MemberRecord record) =>
        Assert.NotNull(await engine.Coordination.TryCreateAsync(CoordinationKeys.Member("billing", record.MemberId), MemberRecordCodec.Encode(record)));
}
