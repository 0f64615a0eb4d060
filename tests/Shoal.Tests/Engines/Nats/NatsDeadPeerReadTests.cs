using System.Diagnostics;
using Shoal.Engine;
using Shoal.Scenarios.Nats;
using Shoal.TestSupport;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// nats-server 2.9 places a read's consumer (R1) on a random peer of the stream, a dead one included for as long as it is
/// down, and that creation never answers: a read that starts then must ask again rather than wait its whole request
/// timeout (`shoal verify` with one server of three down ran out of its --wait on 10 s waits).
/// </summary>
public sealed class NatsDeadPeerReadTests(ITestOutputHelper log)
{
    [Fact]
    [Trait("Category", "Integration")]
    [Trait("Category", "Slow")]
    public async Task Reads_that_start_while_a_peer_of_the_stream_is_dead_answer_within_seconds()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        await using var nats = await NatsFaultCluster.StartAsync(new() { Servers = 3 }, deadline.Token);
        await using var engine = await nats.OpenEngineOnAsync(0, deadline.Token);
        var topic = await NatsFaultCluster.TopicWithEventsAsync(engine, "deadpeer", 10, deadline.Token);

        // A peer of the stream that is neither the engine's server nor JetStream's meta leader (consumers are created
        // through the meta leader; losing it is an election, not this).
        var leader = await nats.MetaLeaderAsync(deadline.Token);
        var victim = leader == 1 ? 2 : 1;
        await nats.KillAsync(victim);

        // Every read from offset 0 starts a new consumer (the cursor left by the last read waits at offset 10).
        var slowest = TimeSpan.Zero;
        var buffer = new EventEnvelope[16];
        for (var i = 0; i < 12; i++)
        {
            var clock = Stopwatch.StartNew();
            var read = await engine.Log.ReadAsync(topic, 0, 0, buffer, deadline.Token);
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            // A read returns what has arrived once the first event has (a prefix of the ten), in order from offset 0.
            Assert.InRange(read, 1, 10);
            Assert.Equal((0L, read - 1L), (buffer[0].Offset, buffer[read - 1].Offset));
        }

        log.WriteLine($"server {victim} killed (meta leader {leader}); slowest of 12 reads {slowest.TotalMilliseconds:0} ms");
        // Before, a creation placed on the dead peer failed the read after the whole 10 s request timeout. Now each such
        // placement costs 0.25, 0.5, 1, 1… s: 10 s would take ten of them in a row (measured: 0.25–3.8 s, at most four
        // in a row).
        Assert.True(slowest < TimeSpan.FromSeconds(10), $"a read took {slowest.TotalSeconds:0.0} s");
    }
}
