using System.Globalization;
using System.Text.Json;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Hosting.Processes;
using Shoal.Scenarios.Nats;
using Shoal.Scenarios.Workload;

namespace Shoal.Scenarios.Bench;


/// <summary>
/// Measures failover on NATS with real processes: a local cluster (<see cref="LocalNatsCluster"/>), a <c>shoal produce
/// --rate</c> process publishing steadily, and <c>shoal worker --handler verify</c> processes. Each round SIGKILLs the
/// worker holding the most partitions and measures, from the kill to the first verify record a survivor wrote under a
/// newer epoch for each orphaned partition (the record's own timestamp, taken when the handler ran), how long until the
/// last of those partitions was being processed again. A replacement worker then joins and the group settles before
/// the next round. At the end the producer stops and <c>shoal verify</c> checks that nothing was lost or reordered.
/// </summary>
public static class FailoverBench
{
    /// <summary>The topic the bench creates.</summary>
    public const string Topic = "failover";

    /// <summary>The workers' group.</summary>
    public const string Group = "bench";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan SettleFor = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs the bench: <paramref name="launcher"/> starts the <c>shoal</c> processes, <paramref name="services"/> open the
    /// engine, and <paramref name="progress"/> gets a line per step and per round.
    /// </summary>
    public static async Task<FailoverBenchReport> RunAsync(FailoverBenchSettings settings, ShoalLauncher launcher, EngineServices? services, Action<string> progress, CancellationToken cancellationToken)
    {
        await using var cluster = await LocalNatsCluster.StartAsync(new LocalNatsClusterOptions { Servers = settings.Servers }, cancellationToken);
        var uri = cluster.EngineUri;
        await using var engine = await ShoalEngines.OpenAsync(uri, services, cancellationToken);
        var processes = new List<ChildProcess>();
        try
        {
            var producer = Start(processes, launcher, "producer",
            [
                "produce", "--engine", uri, "--topic", Topic, "--events", "1000000000", "--keys", "1000",
                "--partitions", Invariant(settings.Partitions), "--replicas", Invariant(Math.Min(3, settings.Servers)),
                "--rate", Invariant(settings.Rate), "--json",
            ]);
            await UntilAsync(async () => await engine.Log.DescribeTopicAsync(Topic, cancellationToken) is not null, "the producer to create the topic", producer, cancellationToken);

            var workers = new List<ChildProcess>();
            for (var i = 1; i <= settings.Workers; i++)
            {
                workers.Add(StartWorker(processes, launcher, uri, settings, $"fw-{i}"));
            }

            await SettleAsync(engine, settings.Partitions, workers, cancellationToken);
            progress($"{settings.Workers} workers hold {settings.Partitions} partitions; producing {settings.Rate:0} events/s.");

            var rounds = new List<FailoverRound>();
            for (var round = 1; round <= settings.Rounds; round++)
            {
                var result = await KillOneAsync(engine, round, workers, cancellationToken);
                rounds.Add(result);
                progress(Format(result));
                if (result.ResumedMs < 0)
                {
                    break;
                }

                workers.Add(StartWorker(processes, launcher, uri, settings, $"fw-{settings.Workers + round}"));
                await SettleAsync(engine, settings.Partitions, workers, cancellationToken);
            }

            await producer.StopAsync(StepTimeout);
            progress("producer stopped; verifying.");
            var verify = Start(processes, launcher, "verify", ["verify", "--engine", uri, "--topic", Topic, "--group", Group, "--wait", "60s", "--json"]);
            if (!await verify.WaitForExitAsync(TimeSpan.FromSeconds(90)))
            {
                await verify.KillAsync(); // no report then: ParseVerify says so
            }

            var check = ParseVerify(verify);

            var resumed = rounds.Where(r => r.ResumedMs >= 0).Select(r => r.ResumedMs).Order().ToList();
            var median = resumed.Count == 0 ? -1 : resumed[resumed.Count / 2];
            var max = rounds.Count == 0 || rounds.Any(r => r.ResumedMs < 0) ? -1 : rounds.Max(r => r.ResumedMs);
            return new FailoverBenchReport
            {
                Servers = settings.Servers,
                Workers = settings.Workers,
                Partitions = settings.Partitions,
                Rate = settings.Rate,
                HeartbeatMs = (long)settings.Heartbeat.TotalMilliseconds,
                SessionTtlMs = (long)settings.SessionTtl.TotalMilliseconds,
                Rounds = rounds,
                MedianMs = median,
                MaxMs = max,
                TargetMs = 3000,
                TargetMet = max >= 0 && max <= 3000,
                Verify = check,
            };
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    /// <summary>One round as a line of text.</summary>
    public static string Format(FailoverRound round) =>
        $"round {round.Round}: killed {round.Victim} (partitions {string.Join(",", round.Partitions)}): "
        + (round.ResumedMs < 0 ? "NOT resumed within 60 s" : $"all resumed on survivors after {round.ResumedMs} ms (first after {round.FirstResumedMs} ms)");

    private static async Task<FailoverRound> KillOneAsync(IShoalEngine engine, int round, List<ChildProcess> workers, CancellationToken cancellationToken)
    {
        var leases = await ClusterRecords.ListLeasesAsync(engine.Coordination, Topic, Group, cancellationToken);
        var victim = workers.OrderByDescending(w => leases.Count(l => l.Owner == w.Name)).First();
        var orphaned = leases.Where(l => l.Owner == victim.Name).ToDictionary(l => l.Partition, l => l.Epoch);
        var records = HandledRecord.TopicFor(Topic, Group);
        var positions = new Dictionary<int, long>();
        foreach (var partition in orphaned.Keys)
        {
            positions[partition] = (await engine.Log.GetOffsetsAsync(records, partition, cancellationToken)).End;
        }

        var killedAt = DateTimeOffset.UtcNow;
        victim.Kill();
        await victim.WaitForExitAsync(cancellationToken);
        workers.Remove(victim);

        var resumedAt = new Dictionary<int, DateTimeOffset>();
        var buffer = new EventEnvelope[256];
        var deadline = DateTimeOffset.UtcNow + StepTimeout;
        while (resumedAt.Count < orphaned.Count && DateTimeOffset.UtcNow < deadline)
        {
            foreach (var (partition, epoch) in orphaned)
            {
                if (resumedAt.ContainsKey(partition))
                {
                    continue;
                }

                var end = (await engine.Log.GetOffsetsAsync(records, partition, cancellationToken)).End;
                while (positions[partition] < end && !resumedAt.ContainsKey(partition))
                {
                    var count = await engine.Log.ReadAsync(records, partition, positions[partition], buffer, cancellationToken);
                    for (var i = 0; i < count; i++)
                    {
                        positions[partition] = buffer[i].Offset + 1;
                        if (HandledRecord.TryDecode(buffer[i].Payload) is { } record && record.Epoch > epoch && record.Member != victim.Name)
                        {
                            resumedAt[partition] = buffer[i].Timestamp;
                            break;
                        }
                    }
                }
            }

            if (resumedAt.Count < orphaned.Count)
            {
                await Task.Delay(Poll, cancellationToken);
            }
        }

        var delays = resumedAt.Values.Select(t => (long)(t - killedAt).TotalMilliseconds).ToList();
        return new FailoverRound
        {
            Round = round,
            Victim = victim.Name,
            Partitions = [.. orphaned.Keys.Order()],
            ResumedMs = resumedAt.Count == orphaned.Count && delays.Count > 0 ? delays.Max() : -1,
            FirstResumedMs = delays.Count > 0 ? delays.Min() : -1,
        };
    }

    /// <summary>
    /// Waits until every partition has a live lease held by a running worker, every worker holds at least one (when
    /// there are enough partitions), and owners and epochs have not changed for a second.
    /// </summary>
    private static async Task SettleAsync(IShoalEngine engine, int partitions, List<ChildProcess> workers, CancellationToken cancellationToken)
    {
        var names = workers.Select(w => w.Name).ToHashSet(StringComparer.Ordinal);
        var last = string.Empty;
        var stableSince = DateTimeOffset.UtcNow;
        var deadline = DateTimeOffset.UtcNow + StepTimeout;
        while (true)
        {
            var now = DateTimeOffset.UtcNow;
            var leases = await ClusterRecords.ListLeasesAsync(engine.Coordination, Topic, Group, cancellationToken);
            var live = leases.Where(l => names.Contains(l.Owner) && l.ExpiresAtMs > now.ToUnixTimeMilliseconds()).ToList();
            var shape = string.Join(",", live.Select(l => $"{l.Partition}:{l.Owner}@{l.Epoch}"));
            var complete = live.Count == partitions && (workers.Count > partitions || names.All(n => live.Any(l => l.Owner == n)));
            if (shape != last)
            {
                (last, stableSince) = (shape, now);
            }
            else if (complete && now - stableSince >= SettleFor)
            {
                return;
            }

            if (workers.FirstOrDefault(w => w.HasExited) is { } dead)
            {
                throw new ShoalException($"worker {dead.Name} exited with code {dead.ExitCode}: {dead.Err}");
            }

            if (now > deadline)
            {
                throw new ShoalException($"the group did not settle within {StepTimeout.TotalSeconds:0} s; leases: {shape}");
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    private static ChildProcess StartWorker(List<ChildProcess> processes, ShoalLauncher launcher, string uri, FailoverBenchSettings settings, string member) =>
        Start(processes, launcher, member,
        [
            "worker", "--engine", uri, "--topic", Topic, "--group", Group, "--handler", "verify", "--member-id", member,
            "--heartbeat", Durations.Format(settings.Heartbeat), "--session-ttl", Durations.Format(settings.SessionTtl), "--json",
        ]);

    private static ChildProcess Start(List<ChildProcess> processes, ShoalLauncher launcher, string name, string[] args)
    {
        var process = launcher.Start(name, args);
        processes.Add(process);
        return process;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, ChildProcess process, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + StepTimeout;
        while (!await condition())
        {
            if (process.HasExited)
            {
                throw new ShoalException($"{process.Name} exited with code {process.ExitCode} before {what}: {process.Err}");
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new ShoalException($"timed out waiting for {what}.");
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }

    private static FailoverVerify ParseVerify(ChildProcess verify)
    {
        var last = verify.Out.TrimEnd().Split('\n')[^1];
        try
        {
            using var json = JsonDocument.Parse(last);
            var root = json.RootElement;
            return new FailoverVerify(
                verify.ExitCode == 0,
                root.GetProperty("produced").GetInt64(),
                root.GetProperty("lost").GetInt64(),
                root.GetProperty("duplicates").GetInt64(),
                root.GetProperty("orderViolations").GetInt64());
        }
        catch (JsonException)
        {
            throw new ShoalException($"shoal verify printed no report (exit {verify.ExitCode}): {verify.Err}");
        }
    }

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
