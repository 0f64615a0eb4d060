using Shoal.Cli.Engines;
using Shoal.Cli.Nats;
using Shoal.Engines.Nats;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>Unreachable servers and refused credentials give a prompt <see cref="EngineException"/> naming the URL and the cause.</summary>
public sealed class NatsConnectionErrorTests : IAsyncLifetime
{
    private LocalNatsCluster _secured = null!;

    public async Task InitializeAsync() =>
        _secured = await LocalNatsCluster.StartAsync(new LocalNatsClusterOptions { ExtraArguments = ["--user", "shoal", "--pass", "right-password"] });

    public async Task DisposeAsync() => await _secured.DisposeAsync();

    [Fact]
    public async Task An_unreachable_server_fails_fast_naming_the_url()
    {
        var port = LocalNatsCluster.FreePorts(1)[0];
        var url = $"nats://127.0.0.1:{port}";
        var started = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<EngineException>(async () => await NatsEngine.ConnectAsync(new NatsEngineOptions
        {
            Connection = new NatsConnectionOptions { Urls = [url], ConnectTimeout = TimeSpan.FromSeconds(2) },
        }));

        Assert.Contains(url, error.Message, StringComparison.Ordinal);
        Assert.Contains("Cannot connect", error.Message, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task A_wrong_password_fails_naming_the_url_and_the_authorization_error()
    {
        var url = _secured.Urls[0];

        var error = await Assert.ThrowsAsync<EngineException>(async () => await NatsEngine.ConnectAsync(new NatsEngineOptions
        {
            Connection = new NatsConnectionOptions { Urls = [url], User = "shoal", Password = "wrong" },
        }));

        Assert.Contains(url, error.Message, StringComparison.Ordinal);
        Assert.Contains("Authorization", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Missing_credentials_fail_and_the_right_ones_through_the_engine_uri_work()
    {
        var hostPort = _secured.Urls[0]["nats://".Length..];

        var missing = await Assert.ThrowsAsync<EngineException>(async () => await EngineUris.OpenAsync($"nats://{hostPort}"));
        Assert.Contains("Authorization", missing.Message, StringComparison.OrdinalIgnoreCase);

        await using var opened = await EngineUris.OpenAsync($"nats://shoal:right-password@{hostPort}");
        var topic = $"auth-{Guid.NewGuid():N}";
        Assert.Equal(2, (await opened.Engine.Log.CreateTopicAsync(new TopicOptions { Name = topic, Partitions = 2 })).Partitions);
    }

    [Theory]
    [InlineData("nats://", "at least one server")]
    [InlineData("nats://h:1?replicas=9", "replicas: must be between 1 and 5")]
    [InlineData("nats://h:1?storage=tape", "storage")]
    [InlineData("nats://h:1?bogus=1", "bogus")]
    [InlineData("nats://user@h:1", "user:password@")]
    [InlineData("nats://h:1?creds=/no/such/file.creds", "does not exist")]
    public async Task A_bad_nats_uri_is_a_configuration_error_naming_the_option(string uri, string reason)
    {
        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(async () => await EngineUris.OpenAsync(uri));
        Assert.Equal("--engine", error.Field);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_or_token_never_appears_in_uri_messages()
    {
        Assert.Equal("nats://u:***@h:1", NatsEngineUri.Redact("nats://u:secret@h:1"));
        Assert.Equal("nats://h:1?token=***&replicas=3", NatsEngineUri.Redact("nats://h:1?token=secret&replicas=3"));
    }
}
