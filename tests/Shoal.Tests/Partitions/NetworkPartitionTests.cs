using Shoal.Tests.Cli;
using Shoal.Tests.Engines.Nats;
using Shoal.TestSupport.Network;
using Xunit;

namespace Shoal.Tests.Partitions;

/// <summary>
/// Network partitions with real processes (docs/testing.md, "Partition tests"): three clustered <c>nats-server</c>s (R3
/// topics and coordination), three <c>shoal worker --handler verify</c> processes and <c>shoal produce</c>, each in its
/// own network namespace of a <see cref="NetworkLab"/>; links are cut and healed with nftables rules. Each test asserts
/// safety (nothing lost, nothing reordered, through <c>shoal verify</c>) and writes its timeline, stalls and duplicates
/// to the test output. Skipped, with the reason, where namespaces cannot be made (not root, no <c>ip</c> or <c>nft</c>).
/// </summary>
[Collection(NatsFaultCollection.Name)]
public sealed class NetworkPartitionTests(ITestOutputHelper log)
{
    /// <summary>The workers' session TTL (<see cref="FaultRun.StartWorker"/>).</summary>
    private static readonly TimeSpan SessionTtl = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Availability target: the group's longest stall for any single-worker or minority-server partition, after the fault
    /// starts or heals. Measured and reported, asserted once members notice a dead connection within a session TTL
    /// (connection liveness tied to the session) and fence themselves.
    /// </summary>
    private static readonly TimeSpan StallTarget = SessionTtl + TimeSpan.FromSeconds(2);

    /// <summary>
    /// Availability target for duplicates: at most the events in flight when the lease expired — with 12 partitions at
    /// 1,000 events/s that is bounded by about one session TTL of events. Reported, asserted once self-fencing stops a
    /// cut-off member's handling at its lease's expiry.
    /// </summary>
    private const int DuplicatesTarget = 1_000;

    private const int Rate = 1_000;
    private const int Events = 32_000;
    private static readonly TimeSpan Isolation = TimeSpan.FromSeconds(10);

    [Fact]
    [Trait("Category", "Integration")]
    [Trait("Category", "Partition")]
    public async Task A_worker_isolated_for_ten_seconds_loses_and_reorders_nothing()
    {
        if (NetworkLab.UnavailableReason() is { } reason)
        {
            Assert.Skip("Partition tests need network namespaces: " + reason);
        }

        string[] servers = ["n1", "n2", "n3"];
        string[] workers = ["w1", "w2", "w3"];
        await using var lab = await NetworkLab.CreateAsync([.. servers, .. workers, "client"]);
        await using var nats = await LabNatsCluster.StartAsync(lab, servers);
        var timeline = new PartitionTimeline();
        await using var run = new FaultRun(nats.EngineUri, log, (name, args) =>
            lab.Start(name == FaultRun.Producer ? "client" : name, name, VerbRunner.BuiltShoal, args));

        await run.CreateTopicAsync();
        var workerProcesses = await run.StartWorkersAsync([.. workers.Select(w => (w, (string?)null))]);
        timeline.Mark("workers own partitions; producing");
        var producer = run.Produce(Events, rate: Rate);

        using var sampling = new CancellationTokenSource();
        var sampler = SampleAsync(run, timeline, sampling.Token);
        await run.UntilAsync(s => FaultRun.Committed(s) >= 5 * Rate, "five seconds of events committed");
        Assert.False(producer.HasExited, "the producer finished before the fault");

        timeline.Mark("isolate w2");
        await lab.IsolateAsync("w2");
        await Task.Delay(Isolation); // The fault's length, not a wait for a result.
        await lab.HealAsync("w2");
        timeline.Mark("heal w2");

        await run.WaitForProducerAsync(producer, Events);
        timeline.Mark("producer done");
        var verify = await run.VerifyAsync();
        timeline.Mark("verify done");
        await sampling.CancelAsync();
        await sampler;
        await StopAsync(workerProcesses);

        var report = verify.Json();
        var duplicates = report.GetProperty("duplicates").GetInt64();
        var fault = timeline.MarkOf("isolate");
        var groupStall = timeline.LongestGroupStall(fault);
        var partitionStall = timeline.LongestPartitionStall(fault);
        log.WriteLine("--- timeline (per second; commits are the group's committed offsets summed)");
        log.WriteLine(timeline.Describe());
        log.WriteLine($"from the fault on: longest group stall {groupStall}; longest partition stall {partitionStall}; group target {StallTarget.TotalSeconds:0.0} s (reported, not asserted)");
        log.WriteLine($"duplicates {duplicates} of {Events} ({100.0 * duplicates / Events:0.0} %); target at most {DuplicatesTarget} (reported, not asserted)");

        // Safety: every acknowledged event handled, none lost or out of key order, and the group caught up.
        Assert.True(verify.ExitCode == 0, "verify failed: " + verify);
        Assert.Equal(Events, report.GetProperty("produced").GetInt64());
        Assert.Equal(0, report.GetProperty("lost").GetInt64());
        Assert.Equal(0, report.GetProperty("orderViolations").GetInt64());
        Assert.Equal(0, report.GetProperty("unexpected").GetInt64());
        Assert.True(report.GetProperty("caughtUp").GetBoolean(), "the group did not catch up: " + verify);
    }

    /// <summary>Samples the group's status every 250 ms until cancelled (a read the engine cannot answer is skipped).</summary>
    private static async Task SampleAsync(FaultRun run, PartitionTimeline timeline, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                if (await run.StatusAsync(cancellationToken) is { } status)
                {
                    timeline.Add(status);
                }

                await Task.Delay(250, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Sampling ends with the test.
        }
    }

    /// <summary>SIGTERMs the workers and reports how each ended (a slow or failed stop is availability, not safety).</summary>
    private async Task StopAsync(IReadOnlyList<Shoal.Hosting.Processes.ChildProcess> workers)
    {
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        foreach (var worker in workers)
        {
            worker.Terminate();
        }

        foreach (var worker in workers)
        {
            var exited = await worker.WaitForExitAsync(TimeSpan.FromSeconds(20));
            log.WriteLine(exited
                ? $"{worker.Name} stopped on SIGTERM with exit {worker.ExitCode} within {stopping.Elapsed.TotalSeconds:0.0} s"
                : $"{worker.Name} did not stop within 20 s of SIGTERM (killed when the run ends)");
        }
    }
}
