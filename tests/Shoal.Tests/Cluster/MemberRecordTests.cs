using System.Text;
using Shoal.Cluster;
using Shoal.Engine;
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
        Assert.Equal("shoal/members/orders/w-1", CoordinationKeys.Member("orders", "w-1"));
        Assert.Equal("shoal/members/orders/", CoordinationKeys.GroupMembersPrefix("orders"));
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
    public void A_record_carries_its_session_ttl_and_an_old_record_without_it_still_decodes()
    {
        var record = Member("w1", T0) with { SessionTtl = TimeSpan.FromMilliseconds(1500) };

        var json = MemberRecordCodec.Encode(record);

        Assert.Contains("\"sessionTtlMs\":1500", Encoding.UTF8.GetString(json), StringComparison.Ordinal);
        Assert.True(MemberRecordCodec.TryDecode(json, out var decoded));
        Assert.Equal(record, decoded);
        Assert.True(MemberRecordCodec.TryDecode("""{"memberId":"a","incarnation":"1","health":"healthy","heartbeatMs":5}"""u8, out var old));
        Assert.Null(old!.SessionTtl);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1000")]
    [InlineData("99999999999999")]
    [InlineData("\"1s\"")]
    public void A_session_ttl_no_member_could_have_is_ignored_and_the_record_judged_by_the_default(string value)
    {
        Assert.True(MemberRecordCodec.TryDecode(Encoding.UTF8.GetBytes($$"""{"memberId":"a","incarnation":"1","health":"healthy","heartbeatMs":5,"sessionTtlMs":{{value}}}"""), out var record));
        Assert.Null(record!.SessionTtl);
    }

    /// <summary>A member is judged by the session TTL it runs with, not by the observer's: a 1 s member is dead 1 s after its last beat.</summary>
    [Fact]
    public void A_member_is_judged_by_its_own_session_ttl_and_an_old_record_by_the_observers()
    {
        var quick = Member("quick", T0) with { SessionTtl = TimeSpan.FromSeconds(1) };
        var old = Member("old", T0);

        var early = MembershipView.Compute([quick, old], T0 + TimeSpan.FromMilliseconds(999), Ttl);
        Assert.Equal(["old", "quick"], early.Live.Select(m => m.MemberId));
        Assert.Equal(T0 + TimeSpan.FromSeconds(1), early.NextExpiry);

        var later = MembershipView.Compute([quick, old], T0 + TimeSpan.FromSeconds(2), Ttl);
        Assert.Equal(["old"], later.Live.Select(m => m.MemberId));
        Assert.Equal(["quick"], later.Dead.Select(m => m.MemberId));
        Assert.False(MembershipView.IsLive(quick, T0 + TimeSpan.FromSeconds(2), Ttl));
        Assert.True(MembershipView.IsLive(old, T0 + TimeSpan.FromSeconds(2), Ttl));
        Assert.False(MembershipView.IsLive(old, T0 + Ttl, Ttl));

        // A long-lived member is not cut short by an observer with a shorter default either.
        var patient = Member("patient", T0) with { SessionTtl = TimeSpan.FromMinutes(2) };
        Assert.True(MembershipView.IsLive(patient, T0 + TimeSpan.FromMinutes(1), Ttl));
    }

    [Fact]
    public void A_heartbeat_age_is_never_negative()
    {
        var ahead = Member("a", T0 + TimeSpan.FromMilliseconds(300));

        Assert.Equal(TimeSpan.Zero, MembershipView.HeartbeatAge(ahead, T0));
        Assert.Equal(TimeSpan.FromMilliseconds(700), MembershipView.HeartbeatAge(ahead, T0 + TimeSpan.FromSeconds(1)));
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
