using Shoal.Scenarios.Nats;
using Shoal.Tests.Cli;
using Shoal.Tests.Runtime;
using Shoal.TestSupport;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// Verbs started right after a server of a 3-server cluster restarts, as real processes: for the first seconds the
/// JetStream API does not answer (the restarted server is not current, the meta leader is being elected). Those errors
/// are transient: <c>shoal verify</c>, a new <c>shoal worker</c> and <c>shoal supervise</c> retry them within their deadlines instead of exiting 1
/// — and never blame a server that has JetStream for not offering it.
/// </summary>
[Collection(NatsFaultCollection.Name)]
public sealed class NatsTransientErrorTests(ITestOutputHelper log)
{
    private const int Events = 2000;

    [Trait("Category", "Integration")]
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Verify_and_a_new_worker_started_as_a_server_restarts_retry_until_it_answers()
    {
        await using var cluster = await NatsFaultCluster.StartAsync(new LocalNatsClusterOptions { Servers = 3 });
        await using var run = new FaultRun(cluster.EngineUri, log);
        await run.CreateTopicAsync();
        await run.StartWorkersAsync(("w1", null));
        await run.WaitForProducerAsync(run.Produce(Events), Events);
        await run.UntilAsync(s => FaultRun.Committed(s) == Events, "every event committed");

        // The meta leader's server: its restart takes an election as well as the server's own catching up.
        var leader = await cluster.MetaLeaderAsync() ?? 0;
        await cluster.KillAsync(leader);
        await cluster.RestartAsync(leader, waitUntilReady: false);
        log.WriteLine($"server {leader} (the meta leader) SIGKILLed and restarted; verify and w2 start now");

        run.StartWorker("w2");
        await using var supervise = VerbRunner.StartProcess("supervise",
            "supervise", "--engine", run.Engine, "--topic", FaultRun.Topic, "--group", "audit", "--min", "1", "--max", "1", "--", "--handler", "noop");
        var verify = await run.VerifyAsync();

        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.DoesNotContain("does not offer JetStream", verify.Err, StringComparison.Ordinal);
        Assert.Equal(Events, verify.Long("produced"));
        Assert.Equal(0, verify.Long("lost"));
        await run.UntilAsync(s => FaultRun.Owners(s).Values.Any(o => o.Owner == "w2"), "w2 owning partitions", 90);
        await supervise.WaitForLineAsync(l => l.StartsWith("supervise: group audit", StringComparison.Ordinal), "supervise started", TimeSpan.FromSeconds(90));
        Assert.Equal(0, await supervise.TerminateAsync(TimeSpan.FromSeconds(60)));
        await run.StopWorkersAsync();
    }
}

/// <summary>
/// A worker started before its topic exists, on an engine other processes share: it waits (saying so) instead of
/// exiting, and handles the events once <c>shoal produce</c> creates the topic; stopped while waiting, it exits 0.
/// </summary>
[Collection(NatsFaultCollection.Name)]
public sealed class NatsWorkerWaitsForTopicTests(ITestOutputHelper log)
{
    [Trait("Category", "Integration")]
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_worker_started_before_the_producer_waits_for_the_topic_then_handles_its_events()
    {
        await using var server = await LocalNatsCluster.StartAsync();
        var engine = server.EngineUri;
        await using var worker = VerbRunner.StartProcess("w1",
            "worker", "--engine", engine, "--topic", "orders", "--group", "billing", "--handler", "verify", "--member-id", "w1",
            "--heartbeat", "200ms", "--session-ttl", "1s");
        await using var idle = VerbRunner.StartProcess("idle",
            "worker", "--engine", engine, "--topic", "never", "--group", "billing", "--handler", "noop", "--member-id", "idle", "--json");
        try
        {
            await Wait.UntilAsync(() => worker.Err.Contains("waiting for topic 'orders'", StringComparison.Ordinal) || worker.HasExited, "w1 waiting for its topic", 30);
            await Wait.UntilAsync(() => idle.Err.Contains("waiting for topic 'never'", StringComparison.Ordinal) || idle.HasExited, "idle waiting for its topic", 30);
            Assert.False(worker.HasExited, worker.ToString());

            var produced = await VerbRunner.RunProcessAsync(
                ["produce", "--engine", engine, "--topic", "orders", "--events", "1000", "--keys", "10", "--partitions", "4", "--json"], 60);
            Assert.True(produced.ExitCode == 0, produced.ToString());

            var verify = await VerbRunner.RunProcessAsync(["verify", "--engine", engine, "--topic", "orders", "--group", "billing", "--wait", "60s", "--json"], 90);
            log.WriteLine(verify.ToString());
            Assert.True(verify.ExitCode == 0, verify + "\nw1: " + worker);
            Assert.Equal(1000, verify.Long("produced"));
            Assert.Equal(0, verify.Long("lost"));
            Assert.True(verify.Json().GetProperty("caughtUp").GetBoolean(), verify.ToString());

            // Still waiting, and saying so every 10 s; stopped while waiting: a clean stop, with its (empty) report.
            await Wait.UntilAsync(() => idle.Err.Contains("still waiting for topic 'never' (1", StringComparison.Ordinal) || idle.HasExited, "idle saying it still waits", 30);
            Assert.False(idle.HasExited, idle.ToString());
            Assert.Equal(0, await idle.TerminateAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("\"handled\":0", idle.Out, StringComparison.Ordinal);
            Assert.Equal(0, await worker.TerminateAsync(TimeSpan.FromSeconds(60)));
        }
        finally
        {
            log.WriteLine($"w1: {worker}\nidle: {idle}");
        }
    }
}
