using Shoal.Engines.Nats;
using Shoal.Scenarios.Nats;
using Shoal.TestSupport;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// Multi-process fault tests run alone: each starts three <c>nats-server</c>s and several <c>shoal</c> processes with a 1 s
/// session TTL, which other tests running beside them on a 2-core machine could starve into spurious lease losses.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NatsFaultCollection
{
    public const string Name = "nats-faults";
}

/// <summary>
/// Issue 5's fault tests with real processes and real servers on loopback: a 3-server JetStream cluster, an R3 topic,
/// <c>shoal produce</c>, three <c>shoal worker --handler verify</c> processes and <c>shoal verify</c>; a worker or a server
/// is SIGKILLed mid-run. Events: <see cref="FaultRun.Events"/> (20,000 in CI, <c>SHOAL_FAULT_EVENTS=100000</c> for the
/// issue's full count; docs/testing.md).
/// </summary>
[Collection(NatsFaultCollection.Name)]
public sealed class NatsFaultTests(ITestOutputHelper log)
{
    /// <summary>GroupOptions.MaxInFlight of the workers: redelivery after a takeover is bounded by about two windows per partition.</summary>
    private const int InFlightWindow = 1024;

    [Trait("Category", "Integration")]
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_worker_killed_mid_run_loses_nothing_and_survivors_and_a_late_joiner_finish_in_order()
    {
        var events = FaultRun.Events;
        await using var cluster = await NatsFaultCluster.StartAsync(new LocalNatsClusterOptions { Servers = 3 });
        await using var run = new FaultRun(cluster.EngineUri, log);

        // Workers first, so the kill below lands while events are still arriving.
        await run.CreateTopicAsync();
        var workers = await run.StartWorkersAsync(("w1", null), ("w2", null), ("w3", null));
        var producer = run.Produce(events);
        var before = await run.UntilAsync(
            s => FaultRun.Owners(s).Values.Select(o => o.Owner).Distinct().Count() == 3 && FaultRun.Committed(s) >= events / 5,
            "a fifth of the events committed");
        Assert.False(producer.HasExited, "the producer finished before the kill: not mid-run");

        // SIGKILL w2 mid-run: no hand-over, no commit, no lease release.
        var orphaned = FaultRun.Owners(before).Where(o => o.Value.Owner == "w2").ToDictionary(o => o.Key, o => o.Value.Epoch);
        Assert.NotEmpty(orphaned);
        await run.KillAsync(workers[1]);
        Assert.NotEqual(0, workers[1].ExitCode);

        // The survivors take w2's partitions (new epochs) once its leases expire; then a new worker joins.
        await run.UntilAsync(
            s => orphaned.All(o => FaultRun.Owners(s).TryGetValue(o.Key, out var now) && now.Owner != "w2" && now.Epoch > o.Value),
            "w2's partitions taken over by survivors");
        run.StartWorker("w4");
        await run.UntilAsync(s => FaultRun.Owners(s).Values.Any(o => o.Owner == "w4"), "w4 owning partitions");

        await run.WaitForProducerAsync(producer, events);
        var verify = await run.VerifyAsync();
        var final = await run.UntilAsync(_ => true, "final status");
        await run.StopWorkersAsync();

        AssertCaughtUpWithNothingLost(verify, events, final);
    }

    // Once skipped for a liveness bug (docs/testing.md): during the outage the verify handler's record appends failed,
    // events were dead-lettered, and the NATS engine rejected the dead-letter headers (shoal-*), so those partitions
    // retried their dead letter forever. Fixed at each step; this test found it, one run in six.
    [Trait("Category", "Integration")]
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_server_killed_mid_run_and_restarted_loses_no_acknowledged_event()
    {
        var events = FaultRun.Events;
        await using var cluster = await NatsFaultCluster.StartAsync(new LocalNatsClusterOptions { Servers = 3 });
        await using var run = new FaultRun(cluster.EngineUri, log);

        // The producer is given only server 0, the one that dies: it must reconnect to the servers it learned from the
        // cluster. The workers know all three, as docs/nats.md advises.
        var onlyServer0 = cluster.Urls[0] + "?replicas=3&kv-replicas=3";
        await run.CreateTopicAsync();
        await run.StartWorkersAsync(("w1", null), ("w2", null), ("w3", null));
        var producer = run.Produce(events, onlyServer0);
        var before = await run.UntilAsync(s => FaultRun.Committed(s) >= events / 5, "a fifth of the events committed");
        Assert.False(producer.HasExited, "the producer finished before the kill: not mid-run");

        await cluster.KillAsync(0);
        log.WriteLine("SIGKILLed nats-server 0");

        // The two remaining servers are a quorum: processing goes on while server 0 is down.
        await run.UntilAsync(s => FaultRun.Committed(s) >= FaultRun.Committed(before) + (events / 10), "progress with server 0 down");
        await cluster.RestartAsync(0);
        log.WriteLine("restarted nats-server 0");

        await run.WaitForProducerAsync(producer, events);
        var verify = await run.VerifyAsync();
        var final = await run.UntilAsync(_ => true, "final status");
        await run.StopWorkersAsync();

        Assert.True(verify.ExitCode == 0, "verify failed: " + verify);
        var report = verify.Json();
        Assert.Equal(events, report.GetProperty("acknowledged").GetInt64());
        Assert.Equal(0, report.GetProperty("missingFromLog").GetInt64());
        AssertCaughtUpWithNothingLost(verify, events, final);
    }

    [Trait("Category", "Integration")]
    [Fact]
    [Trait("Category", "Slow")]
    public async Task With_a_server_of_the_coordination_bucket_killed_listings_still_answer_promptly()
    {
        // nats-server 2.9 may place a listing's ephemeral consumer on the dead peer, whose creation then never answers;
        // before the store retried such attempts, about one listing in three failed after the full 10 s request timeout.
        await using var cluster = await NatsFaultCluster.StartAsync(new LocalNatsClusterOptions { Servers = 3 });
        await using var engine = await NatsEngine.ConnectAsync(new NatsEngineOptions
        {
            // A long request timeout: a listing retries within it, and a loaded 2-core machine can be slow to answer.
            Connection = new NatsConnectionOptions { Urls = [.. cluster.Urls], RequestTimeout = TimeSpan.FromSeconds(30) },
            CoordinationReplicas = 3,
        });
        var store = engine.Coordination;
        var prefix = $"faults/{Guid.NewGuid():N}/";
        var revision = (await store.TryCreateAsync(prefix + "a", "1"u8.ToArray()))!.Value;
        await store.TryCreateAsync(prefix + "b", "1"u8.ToArray());

        // A peer of the bucket (R3 on 3 servers: every server is one) that is not JetStream's meta leader. Killing the meta
        // leader stops every consumer creation until the survivors elect another (4-12 s on nats-server 2.9): an election
        // to wait out, not the dead-peer placement this test is about (a CI run killed the meta leader, as server 0 often
        // is, and its first listing took 11.8 s; 2 of 5 runs here took 7.8 and 11.8 s).
        var metaLeader = await cluster.MetaLeaderAsync() ?? throw new InvalidOperationException("no server names a JetStream meta leader");
        var victim = (metaLeader + 1) % 3;
        await cluster.KillAsync(victim);
        log.WriteLine($"killed server {victim}; the meta leader is server {metaLeader}");

        // The bucket elects a new leader among the two survivors: writes work again.
        var elected = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await store.TryUpdateAsync(prefix + "a", "2"u8.ToArray(), revision) is { } updated)
                {
                    break;
                }
            }
            catch (EngineException) when (elected.Elapsed < TimeSpan.FromSeconds(45))
            {
                // No leader yet.
            }
        }

        log.WriteLine($"bucket writable again after {elected.ElapsedMilliseconds} ms");
        for (var i = 0; i < 12; i++)
        {
            var listing = System.Diagnostics.Stopwatch.StartNew();
            var listed = await store.ListAsync(prefix);
            log.WriteLine($"listing {i}: {listing.ElapsedMilliseconds} ms");
            Assert.Equal([prefix + "a", prefix + "b"], listed.Select(e => e.Key));
            // Before the fix a listing whose consumer sat on the dead peer failed after the full 10 s request timeout;
            // the bound stays under it with room for a loaded 2-core machine (8.1 s was seen under heavy contention).
            Assert.True(listing.Elapsed < TimeSpan.FromSeconds(9.5), $"listing {i} took {listing.Elapsed}");
        }
    }

    /// <summary>
    /// Redelivery happens only when a partition changes hands without a clean hand-over, and is bounded by about two
    /// in-flight windows per change (docs/guarantees.md). Each change of hands raises the partition's epoch by one from
    /// its first owner's 1, so Σ(epoch − 1) bounds the takeovers (graceful moves count too, which only loosens it).
    /// </summary>
    /// <summary><c>shoal verify</c> passed: every produced event handled, none lost, out of order or unexpected, duplicates bounded.</summary>
    private void AssertCaughtUpWithNothingLost(Shoal.Tests.Cli.VerbResult verify, int events, Shoal.Cluster.GroupTopicStatus final)
    {
        Assert.True(verify.ExitCode == 0, "verify failed: " + verify);
        var report = verify.Json();
        Assert.Equal(events, report.GetProperty("produced").GetInt64());
        Assert.Equal(0, report.GetProperty("lost").GetInt64());
        Assert.Equal(0, report.GetProperty("orderViolations").GetInt64());
        Assert.Equal(0, report.GetProperty("unexpected").GetInt64());
        Assert.True(report.GetProperty("caughtUp").GetBoolean(), "the group did not catch up: " + verify);
        AssertDuplicatesWithinInFlightWindow(report.GetProperty("duplicates").GetInt64(), final);
    }

    private void AssertDuplicatesWithinInFlightWindow(long duplicates, Shoal.Cluster.GroupTopicStatus final)
    {
        var takeovers = final.Partitions.Sum(p => Math.Max(0, p.Epoch - 1));
        log.WriteLine($"duplicates {duplicates}, epoch changes {takeovers}, bound {takeovers * 2 * InFlightWindow}");
        Assert.True(duplicates <= takeovers * 2 * InFlightWindow, $"{duplicates} duplicates exceed {takeovers} epoch changes × 2 × {InFlightWindow}");
    }
}
