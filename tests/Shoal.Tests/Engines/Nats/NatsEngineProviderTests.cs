using Shoal.Engine;
using Shoal.Engines.Nats;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary><c>nats://</c> URIs read by the NATS package's provider: its errors name the setting, and never echo a secret.</summary>
public sealed class NatsEngineProviderTests
{
    private const string Secret = "s3cret-Value";

    /// <summary>An NKey user seed's shape (S, U, 56 base32 characters) holding <see cref="Secret"/>'s letters.</summary>
    private const string Seed = "SUSECRETVALUE" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    private const string Jwt = "eyJ0eXAiOiJKV1QifQ." + Secret;

    [Theory]
    [InlineData("nats://", "at least one server")]
    [InlineData("nats://h:1?replicas=9", "replicas: must be between 1 and 5")]
    [InlineData("nats://h:1?storage=tape", "storage")]
    [InlineData("nats://h:1?bogus=1", "bogus")]
    [InlineData("nats://user@h:1", "user:password@")]
    [InlineData("nats://h:1?creds=/no/such/file.creds", "does not exist")]
    [InlineData("nats://h:1?connect-timeout=5", "connect-timeout: '5' is not a duration")]
    public async Task A_bad_nats_uri_is_a_configuration_error_naming_the_setting(string uri, string reason)
    {
        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(async () => await ShoalEngines.OpenAsync(uri));
        Assert.Equal(ShoalEngines.UriField, error.Field);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nats://u:" + Secret + "@h:1?replicas=9")]
    [InlineData("nats://u:" + Secret + "@h:1?token=x")]
    [InlineData("nats://h:1?token=" + Secret + "&storage=tape")]
    [InlineData("nats://h:1?TOKEN=" + Secret + "&bogus=1")]
    [InlineData("nats://" + Secret + "@h:1")]
    [InlineData("nats://h:1?tokn=" + Secret)]
    [InlineData("nats://u:" + Secret + "@h:99999")]
    [InlineData("nats://u:" + Secret + "@")]
    [InlineData("nats://h:99999?tokn=" + Secret)]
    [InlineData("nats://h:1?storage=tape&tokn=" + Secret)]
    [InlineData("nats://h:1?replicas=x&tokn=" + Secret)]
    [InlineData("nats://h:1?tls=maybe&tokn=" + Secret)]
    [InlineData("nats://h:1?connect-timeout=x&tokn=" + Secret)]
    [InlineData("nats://h:1?tokn=a&tokn2=" + Secret)]
    [InlineData("nats://h:1?secret=" + Secret + "&bogus")]
    [InlineData("nats://h:1?token=ab&" + Secret)]
    [InlineData("nats://h:1?token=ab&" + Secret + "=c")]
    [InlineData("nats://u:ab?" + Secret + "@h:1")]
    [InlineData("nats://u:ab?" + Secret + "&x@h:1")]
    [InlineData("nats://u:" + Secret + "@h:1?creds=/a@b")]
    [InlineData("nats://h:1?nkey=" + Seed)]
    [InlineData("nats://h:1?creds=" + Jwt)]
    [InlineData("nats://h:1?token=" + Secret + "&creds=/no/such/file.creds")]
    [InlineData("nats://u:" + Secret + "@h:1?token=x&replicas=9")]
    public async Task A_secret_in_a_bad_uri_never_appears_in_the_error(string uri)
    {
        Assert.False(ShoalEngines.TryValidate(uri, out var problem));
        Assert.DoesNotContain(Secret, problem, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETVALUE", problem, StringComparison.Ordinal);
        Assert.Contains("nats://", problem, StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(async () => await ShoalEngines.OpenAsync(uri));
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Trait("Category", "Integration")]
    [Fact]
    public async Task A_secret_never_appears_when_the_servers_cannot_be_reached()
    {
        var port = Shoal.Scenarios.Nats.LocalNatsCluster.FreePorts(1)[0];

        var error = await Assert.ThrowsAsync<EngineException>(async () =>
            await ShoalEngines.OpenAsync($"nats://shoal:{Secret}@127.0.0.1:{port}?connect-timeout=1s"));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_or_token_is_redacted()
    {
        Assert.Equal("nats://u:***@h:1", ShoalEngines.Redact("nats://u:secret@h:1"));
        Assert.Equal("nats://h:1?token=***&replicas=3", ShoalEngines.Redact("nats://h:1?token=secret&replicas=3"));
        Assert.Equal("nats://***@h:1", ShoalEngines.Redact("nats://secret@h:1"));
        Assert.Equal("redis://h:1?a=1&password=***", ShoalEngines.Redact("redis://h:1?a=1&password=secret"));
        Assert.Equal("file://./data?flush-interval=5ms", ShoalEngines.Redact("file://./data?flush-interval=5ms"));
        Assert.Equal("nats://u:***@h:1", ShoalEngines.Redact("nats://u:pa?ss@h:1"));
        Assert.Equal("x://h?client_secret=***&nkey-seed=***&passphrase=***&n=1", ShoalEngines.Redact("x://h?client_secret=a&nkey-seed=b&passphrase=c&n=1"));
    }

    [Fact]
    public void An_unknown_option_is_named_without_its_value()
    {
        Assert.False(ShoalEngines.TryValidate("nats://h:1?tokn=" + Secret, out var problem));

        Assert.StartsWith("'nats://h:1?tokn=***': option 'tokn' is unknown", problem, StringComparison.Ordinal);
    }

    [Trait("Category", "Integration")]
    [Fact]
    public async Task A_refused_token_never_appears_in_the_error()
    {
        await using var nats = await Shoal.Scenarios.Nats.LocalNatsCluster.StartAsync(new() { ExtraArguments = ["--auth", "right-" + Secret] });

        var error = await Assert.ThrowsAsync<EngineException>(async () =>
            await ShoalEngines.OpenAsync($"{nats.Urls[0]}?token=wrong-{Secret}&connect-timeout=2s"));

        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_provider_is_found_without_registration_and_lists_its_usage()
    {
        Assert.Contains(new NatsEngineProvider().Usages[0], ShoalEngines.Usages);
        Assert.True(ShoalEngines.TryValidate("nats://127.0.0.1:4222,127.0.0.1:4223?replicas=3&connect-timeout=2s", out var problem), problem);
    }
}
