using Shoal.Engine;
using Shoal.Engines.Nats;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// The NATS connection of a cluster member notices a dead server, and fails a request, well within the member's session
/// TTL (docs/nats.md, Liveness): ping interval, missed pings, request timeouts and reconnect waits derive from the
/// heartbeat and TTL the member lends the engine (<see cref="EngineServices"/>).
/// </summary>
public sealed class NatsLivenessTests
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(1);

    [Fact]
    public void A_member_with_a_one_second_session_gets_a_connection_that_notices_a_dead_server_within_half_of_it()
    {
        var services = new EngineServices { HeartbeatInterval = Heartbeat, SessionTtl = Ttl };
        var client = NatsClientOptions.Create(NatsEngineProvider.WithServices(NatsEngineOptions.Default, services));

        // Silently dead: MaxPingOut pings unanswered, then the next tick drops the connection.
        var noticed = client.PingInterval * (client.MaxPingOut + 1);
        Assert.True(noticed <= Ttl / 2, $"a dead connection is noticed after {noticed}, the session lasts {Ttl}");
        Assert.True(client.RequestTimeout <= Ttl / 3, $"requests time out after {client.RequestTimeout}");
        Assert.True(client.CommandTimeout <= Ttl / 3, $"commands time out after {client.CommandTimeout}");
        Assert.True(client.ReconnectWaitMin <= Heartbeat, $"the first reconnect waits {client.ReconnectWaitMin}");
        Assert.True(client.ReconnectWaitMin + client.ReconnectJitter < Ttl / 2, $"reconnect wait {client.ReconnectWaitMin} + jitter {client.ReconnectJitter}");
        Assert.True(client.ReconnectWaitMax <= Ttl / 2, $"reconnect waits grow to {client.ReconnectWaitMax}");
        Assert.False(client.NoRandomize);
        Assert.Equal(-1, client.MaxReconnectRetry);
    }

    [Fact]
    public void The_derived_values_for_200ms_and_1s()
    {
        var derived = NatsConnectionOptions.Default.WithLiveness(Heartbeat, Ttl);

        Assert.Equal(
            (TimeSpan.FromTicks(1_666_666), 2, TimeSpan.FromTicks(3_333_333), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(50)),
            (derived.PingInterval, derived.MaxPingsOut, derived.RequestTimeout, derived.ReconnectWait, derived.ReconnectWaitMax, derived.ReconnectJitter));
        derived.Validate();
    }

    [Fact]
    public void Without_a_member_the_defaults_are_the_derivation_for_the_cluster_defaults_and_no_request_waits_past_10s()
    {
        var defaults = NatsConnectionOptions.Default;

        Assert.Equal(Liveness(defaults), Liveness(defaults.WithLiveness(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30))));
        Assert.Equal(Liveness(defaults), Liveness(NatsEngineProvider.WithServices(NatsEngineOptions.Default, EngineServices.Default).Connection));
        var client = NatsClientOptions.Create(NatsEngineOptions.Default);
        Assert.Equal((TimeSpan.FromSeconds(5), 2, TimeSpan.FromSeconds(10)), (client.PingInterval, client.MaxPingOut, client.RequestTimeout));
        var slow = defaults.WithLiveness(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));
        Assert.Equal((TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2)), (slow.PingInterval, slow.RequestTimeout, slow.ReconnectWait));
    }

    private static (TimeSpan, int, TimeSpan, TimeSpan, TimeSpan, TimeSpan) Liveness(NatsConnectionOptions o) =>
        (o.PingInterval, o.MaxPingsOut, o.RequestTimeout, o.ReconnectWait, o.ReconnectWaitMax, o.ReconnectJitter);

    [Theory]
    [InlineData("PingInterval")]
    [InlineData("MaxPingsOut")]
    [InlineData("ReconnectWaitMax")]
    public void A_bad_liveness_setting_is_named(string field)
    {
        var options = field switch
        {
            "PingInterval" => NatsConnectionOptions.Default with { PingInterval = TimeSpan.Zero },
            "MaxPingsOut" => NatsConnectionOptions.Default with { MaxPingsOut = 0 },
            _ => NatsConnectionOptions.Default with { ReconnectWaitMax = TimeSpan.FromMilliseconds(1) },
        };

        var error = Assert.Throws<ShoalConfigurationException>(options.Validate);
        Assert.Equal("NatsConnectionOptions." + field, error.Field);
    }
}
