using System.Text;
using Shoal.Cluster;
using Xunit;

namespace Shoal.Tests.Cluster;

public sealed class MemberRecordTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    private static MemberRecord Member(string id, DateTimeOffset heartbeat, MemberHealth health = MemberHealth.Healthy) => new()
    {
        MemberId = id,
        Incarnation = "00000000000000aa",
        Health = health,
        HeartbeatAt = heartbeat,
    };

    [Fact]
    public void Key_layout()
    {
        Assert.Equal("shoal/members/orders/w-1", MemberKeys.Member("orders", "w-1"));
        Assert.Equal("shoal/members/orders/", MemberKeys.GroupPrefix("orders"));
    }

    [Fact]
    public void Record_round_trips_through_json()
    {
        var record = new MemberRecord
        {
            MemberId = "worker-1",
            Incarnation = "9f3a00000000beef",
            Weight = 0.5,
            Capacity = 64,
            Health = MemberHealth.Degraded,
            Load = new MemberLoad(3, 120.5),
            HeartbeatAt = T0,
            Address = "http://10.0.0.7:8080",
        };

        var json = MemberRecordCodec.Encode(record);
        Assert.Equal(
            """{"memberId":"worker-1","incarnation":"9f3a00000000beef","weight":0.5,"capacity":64,"health":"degraded","load":{"inFlight":3,"eventsPerSecond":120.5},"heartbeatMs":1893456000000,"address":"http://10.0.0.7:8080"}""",
            Encoding.UTF8.GetString(json));
        Assert.True(MemberRecordCodec.TryDecode(json, out var decoded));
        Assert.Equal(record, decoded);
    }

    [Fact]
    public void Decoding_skips_unknown_fields_and_rejects_invalid_records()
    {
        Assert.True(MemberRecordCodec.TryDecode("""{"memberId":"a","future":{"x":[1,2]},"incarnation":"1","health":"healthy","heartbeatMs":5}"""u8, out var ok));
        Assert.Equal("a", ok!.MemberId);
        Assert.Equal(1.0, ok.Weight);
        Assert.Null(ok.Address);

        Assert.False(MemberRecordCodec.TryDecode("not json"u8, out _));
        Assert.False(MemberRecordCodec.TryDecode("""{"memberId":"bad id","incarnation":"1","health":"healthy","heartbeatMs":5}"""u8, out _));
        Assert.False(MemberRecordCodec.TryDecode("""{"memberId":"a","incarnation":"1","health":"sleepy","heartbeatMs":5}"""u8, out _));
        Assert.False(MemberRecordCodec.TryDecode("""{"memberId":"a","incarnation":"1","health":"healthy"}"""u8, out _));
        Assert.False(MemberRecordCodec.TryDecode("""{"memberId":"a","incarnation":"1","health":"healthy","heartbeatMs":5,"weight":-1}"""u8, out _));
    }

    [Fact]
    public void A_record_older_than_the_ttl_is_dead()
    {
        var records = new[] { Member("b", T0), Member("a", T0 + TimeSpan.FromSeconds(10)) };

        var early = MembershipView.Compute(records, T0 + Ttl - TimeSpan.FromMilliseconds(1), Ttl);
        Assert.Equal(["a", "b"], early.Live.Select(m => m.MemberId));
        Assert.Empty(early.Dead);
        Assert.Equal(T0 + Ttl, early.NextExpiry);

        var later = MembershipView.Compute(records, T0 + Ttl, Ttl);
        Assert.Equal(["a"], later.Live.Select(m => m.MemberId));
        Assert.Equal(["b"], later.Dead.Select(m => m.MemberId));
        Assert.Equal(T0 + TimeSpan.FromSeconds(40), later.NextExpiry);
        Assert.Null(later.Find("b"));

        var all = MembershipView.Compute(records, T0 + TimeSpan.FromMinutes(5), Ttl);
        Assert.Empty(all.Live);
        Assert.Null(all.NextExpiry);
    }

    [Fact]
    public void A_heartbeat_from_a_clock_slightly_ahead_counts_as_live()
    {
        var view = MembershipView.Compute([Member("a", T0 + TimeSpan.FromSeconds(1))], T0, Ttl);
        Assert.Equal(["a"], view.Live.Select(m => m.MemberId));
    }

    [Fact]
    public void Membership_changes_ignore_heartbeat_time_and_load_but_not_health()
    {
        var a = MembershipView.Compute([Member("a", T0)], T0, Ttl);
        var later = MembershipView.Compute([Member("a", T0 + TimeSpan.FromSeconds(3)) with { Load = new MemberLoad(5, 10) }], T0 + TimeSpan.FromSeconds(3), Ttl);
        var degraded = MembershipView.Compute([Member("a", T0, MemberHealth.Degraded)], T0, Ttl);
        var restarted = MembershipView.Compute([Member("a", T0) with { Incarnation = "00000000000000bb" }], T0, Ttl);

        Assert.True(a.SameMembership(later));
        Assert.False(a.SameMembership(degraded));
        Assert.False(a.SameMembership(restarted));
        Assert.False(a.SameMembership(MembershipView.Empty));
    }

    [Fact]
    public void Member_identity_validation_names_the_field()
    {
        Assert.Equal("MemberIdentity.MemberId", Assert.Throws<ShoalConfigurationException>(new MemberIdentity("g", "no spaces").Validate).Field);
        Assert.Equal("MemberIdentity.Group", Assert.Throws<ShoalConfigurationException>(new MemberIdentity("", "m").Validate).Field);
        Assert.Equal("MemberIdentity.Weight", Assert.Throws<ShoalConfigurationException>(new MemberIdentity("g", "m", Weight: double.NaN).Validate).Field);
        Assert.Equal("MemberIdentity.Capacity", Assert.Throws<ShoalConfigurationException>(new MemberIdentity("g", "m", Capacity: -1).Validate).Field);
    }
}
