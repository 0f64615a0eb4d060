using NATS.Client.JetStream;
using Shoal.Engine;
using Shoal.Engines.Nats;
using Shoal.Scenarios.Nats;
using Shoal.Tests.Hosting;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// No silent single point of failure: on a three-server cluster, a URI naming one server and no replicas puts the
/// coordination bucket and new topics on three servers (the size the server announces), and a bucket on one replica,
/// asked for explicitly, is still honoured but logged as a warning (event 4001) when the engine connects.
/// </summary>
public sealed class NatsReplicaDefaultTests
{
    private const int SingleReplicaWarning = 4001;

    [Trait("Category", "Integration")]
    [Fact]
    [Trait("Category", "Slow")]
    public async Task On_a_three_server_cluster_coordination_and_topics_default_to_three_replicas_and_one_replica_is_warned_of()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var cluster = await LocalNatsCluster.StartAsync(new LocalNatsClusterOptions { Servers = 3 }, deadline.Token);
        var oneServer = cluster.Urls[0];

        // Asked for one replica: honoured, and warned of.
        var logs = new CapturingLoggerProvider();
        using (var factory = logs.Factory())
        {
            await using var engine = await ShoalEngines.OpenAsync(oneServer + "?kv-replicas=1&replicas=1", new EngineServices { LoggerFactory = factory }, deadline.Token);
            var js = new NatsJSContext(((NatsShoalEngine)engine).Connection);
            Assert.Equal(1, (await js.GetStreamAsync(NatsNames.CoordinationStream, cancellationToken: deadline.Token)).Info.Config.NumReplicas);
            var topic = await engine.Log.CreateTopicAsync(new TopicOptions { Name = "r1-" + Guid.NewGuid().ToString("N")[..8], Partitions = 1 }, deadline.Token);
            Assert.Equal(1, topic.Options.Replicas);
        }

        var warning = Assert.Single(logs.Entries, e => e.EventId == SingleReplicaWarning);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.Contains("1 replica on a cluster of 3 servers", warning.Message, StringComparison.Ordinal);

        // The bucket gone, a URI with one server and no replicas: three replicas for both, and no warning.
        await using (var admin = await ShoalEngines.OpenAsync(oneServer + "?kv-replicas=1", cancellationToken: deadline.Token))
        {
            await new NatsJSContext(((NatsShoalEngine)admin).Connection).DeleteStreamAsync(NatsNames.CoordinationStream, deadline.Token);
        }

        var quiet = new CapturingLoggerProvider();
        using (var factory = quiet.Factory())
        {
            await using var engine = await ShoalEngines.OpenAsync(oneServer, new EngineServices { LoggerFactory = factory }, deadline.Token);
            var js = new NatsJSContext(((NatsShoalEngine)engine).Connection);
            Assert.Equal(3, (await js.GetStreamAsync(NatsNames.CoordinationStream, cancellationToken: deadline.Token)).Info.Config.NumReplicas);
            var name = "r3-" + Guid.NewGuid().ToString("N")[..8];
            var topic = await engine.Log.CreateTopicAsync(new TopicOptions { Name = name, Partitions = 1 }, deadline.Token);
            Assert.Equal(3, topic.Options.Replicas);
            Assert.Equal(3, (await js.GetStreamAsync(NatsNames.Stream(name, 0), cancellationToken: deadline.Token)).Info.Config.NumReplicas);
        }

        Assert.DoesNotContain(quiet.Entries, e => e.EventId == SingleReplicaWarning);
    }
}
