using Shoal.Scenarios.Nats;
using Xunit;
using static Shoal.Tests.Cli.VerbRunner;

namespace Shoal.Tests.Cli;

/// <summary>
/// A worker stopped (Ctrl+C, SIGTERM) at any moment of its start — opening the engine, creating its records' topic,
/// starting the runtime, registering as a member — stops cleanly: exit 0 and its report, never "cancelled." with 130.
/// On a real NATS server, where each step of the start takes a few round trips.
/// </summary>
public sealed class WorkerStopTests
{
    [Trait("Category", "Integration")]
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_worker_stopped_at_any_moment_of_its_start_exits_0()
    {
        await using var nats = await LocalNatsCluster.StartAsync();
        var engine = nats.EngineUri;
        var produced = await RunAsync(["produce", "--engine", engine, "--topic", "orders", "--events", "200", "--keys", "10", "--partitions", "4", "--json"]);
        Assert.True(produced.ExitCode == 0, produced.ToString());

        // A start takes some 100-400 ms here: stops every 20 ms from 0 to 580 ms land in each of its steps (timers are
        // coarse, ≈4 ms, so each lands at a somewhat different point from run to run).
        for (var i = 0; i < 30; i++)
        {
            using var stop = new CancellationTokenSource();
            var worker = StartWorker(engine, "orders", "billing", $"w{i}", stop.Token);
            var after = TimeSpan.FromMilliseconds(20 * i);
            await Task.Delay(after);
            await stop.CancelAsync();
            var result = await worker.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 0, $"stopped after {after.TotalMilliseconds} ms: {result}");
            Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
        }
    }
}
