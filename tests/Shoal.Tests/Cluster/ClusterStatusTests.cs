using Microsoft.Extensions.Time.Testing;
using Shoal.Cluster;
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

    private static async Task Write(Shoal.Engine.IShoalEngine engine, MemberRecord record) =>
        Assert.NotNull(await engine.Coordination.TryCreateAsync(MemberKeys.Member("billing", record.MemberId), MemberRecordCodec.Encode(record)));
}
