using Shoal.Engine;
using Shoal.Engines.Nats;
using Shoal.Scenarios.Nats;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>Unreachable servers and refused credentials give a prompt <see cref="EngineException"/> naming the URL and the cause.</summary>
public sealed class NatsConnectionErrorTests : IAsyncLifetime
{
    private LocalNatsCluster _secured = null!;

    public async ValueTask InitializeAsync() =>
        _secured = await LocalNatsCluster.StartAsync(new LocalNatsClusterOptions { ExtraArguments = ["--user", "shoal", "--pass", "right-password"] });

    public async ValueTask DisposeAsync() => await _secured.DisposeAsync();

    [Trait("Category", "Integration")]
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
        // Nothing listening may be a server not up yet: worth retrying (a verb's --timeout, a worker's start-up).
        Assert.True(error.IsTransient);
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
        // A refusal is not retried: the same credentials would be refused again.
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task Missing_credentials_fail_and_the_right_ones_through_the_engine_uri_work()
    {
        var hostPort = _secured.Urls[0]["nats://".Length..];

        var missing = await Assert.ThrowsAsync<EngineException>(async () => await ShoalEngines.OpenAsync($"nats://{hostPort}"));
        Assert.Contains("Authorization", missing.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(missing.IsTransient);

        await using var opened = await ShoalEngines.OpenAsync($"nats://shoal:right-password@{hostPort}");
        var topic = $"auth-{Guid.NewGuid():N}";
        Assert.Equal(2, (await opened.Log.CreateTopicAsync(new TopicOptions { Name = topic, Partitions = 2 })).Partitions);
    }
}
