using Shoal.Engine;
using Shoal.Engines.Nats;
using Shoal.Scenarios.Nats;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>One real <c>nats-server -js</c> on a free loopback port and a temp directory, shared by a test collection, stopped by pid.</summary>
public sealed class NatsServerFixture : IAsyncLifetime
{
    internal LocalNatsCluster Cluster { get; private set; } = null!;

    public string Url => Cluster.Urls[0];

    public async ValueTask InitializeAsync() => Cluster = await LocalNatsCluster.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }

    public ValueTask<IShoalEngine> ConnectAsync(Func<NatsEngineOptions, NatsEngineOptions>? configure = null)
    {
        var options = new NatsEngineOptions { Connection = new NatsConnectionOptions { Urls = [Url] } };
        return NatsEngine.ConnectAsync(configure?.Invoke(options) ?? options);
    }
}

/// <summary>Test classes in this collection share one server (and run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class NatsServerCollection : ICollectionFixture<NatsServerFixture>
{
    public const string Name = "nats-server";
}
