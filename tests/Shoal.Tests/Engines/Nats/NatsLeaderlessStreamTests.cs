using NATS.Client.JetStream;
using Shoal.Engine;
using Shoal.Engines.Nats;
using Shoal.Scenarios.Nats;
using Shoal.TestSupport;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// nats-server 2.9 lets a replica answer a stream-info request with its own state while it sees the stream leaderless;
/// a replica may be behind or catching up, so offsets taken from it could make a reader skip events as trimmed.
/// </summary>
public sealed class NatsLeaderlessStreamTests(ITestOutputHelper log)
{
    [Fact]
    [Trait("Category", "Integration")]
    [Trait("Category", "Slow")]
    public async Task A_partition_whose_stream_has_no_leader_has_no_known_offsets_rather_than_a_replicas()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var nats = await NatsFaultCluster.StartAsync(new() { Servers = 3 }, deadline.Token);
        await using var engine = await nats.OpenEngineOnAsync(0, deadline.Token);
        var topic = await NatsFaultCluster.TopicWithEventsAsync(engine, "leaderless", 5, deadline.Token);
        Assert.Equal(new PartitionOffsets(0, 5), await engine.Log.GetOffsetsAsync(topic, 0, deadline.Token));

        // Server 0 alone: the stream loses its leader, and server 0's replica answers with its own state.
        await nats.KillAsync(1);
        await nats.KillAsync(2);
        var js = new NatsJSContext(((NatsShoalEngine)engine).Connection);
        await Shoal.Tests.Runtime.Wait.UntilAsync(async () =>
        {
            try
            {
                var info = (await js.GetStreamAsync(NatsNames.Stream(topic, 0), cancellationToken: deadline.Token)).Info;
                return info.Cluster is { Leader: null or "" };
            }
            catch (NATS.Client.Core.NatsException)
            {
                return false;
            }
        }, "a stream-info answer that names no leader", 60);

        var error = await Assert.ThrowsAsync<EngineException>(async () => await engine.Log.GetOffsetsAsync(topic, 0, deadline.Token));
        log.WriteLine(error.Message);
        Assert.True(error.IsTransient);
        Assert.Contains("has no stream leader", error.Message, StringComparison.Ordinal);
    }
}
