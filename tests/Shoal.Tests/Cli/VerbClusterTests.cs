using Shoal.Engine;
using Shoal.Scenarios.Workload;
using Shoal.Tests.Cluster;
using Xunit;
using static Shoal.Tests.Cli.VerbRunner;

namespace Shoal.Tests.Cli;

/// <summary>
/// The verbs against each other in one process, on a named in-process engine they share: produce, workers (each a
/// cluster member with its own runtime), verify and status see each other only through the engine.
/// </summary>
[Collection(ClusterHarness.Collection)]
public sealed class VerbClusterTests
{
    [Fact]
    public async Task Produce_workers_and_verify_find_nothing_lost_and_a_second_run_continues_the_sequences()
    {
        var engine = NewEngine();
        var produced = await RunAsync(["produce", "--engine", engine, "--topic", "orders", "--events", "3000", "--keys", "40", "--partitions", "4", "--json"]);
        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.Equal(3000, produced.Long("acknowledged"));
        Assert.Equal(0, produced.Long("run"));

        using var stop = new CancellationTokenSource();
        var w1 = StartWorker(engine, "orders", "billing", "w1", stop.Token);
        var w2 = StartWorker(engine, "orders", "billing", "w2", stop.Token);
        try
        {
            var first = await RunAsync(["verify", "--engine", engine, "--topic", "orders", "--group", "billing", "--wait", "30s", "--json"]);
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Equal(3000, first.Long("produced"));
            Assert.Equal(0, first.Long("lost"));
            Assert.Equal(0, first.Long("orderViolations"));
            Assert.True(first.Long("processed") >= 3000);
            Assert.True(first.Json().GetProperty("caughtUp").GetBoolean());

            // A second run on the same topic: its sequences continue each key's, so all 4000 events are distinct.
            var again = await RunAsync(["produce", "--engine", engine, "--topic", "orders", "--events", "1000", "--keys", "40", "--json"]);
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Equal(1, again.Long("run"));
            var second = await RunAsync(["verify", "--engine", engine, "--topic", "orders", "--group", "billing", "--wait", "30s", "--json"]);
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Equal(4000, second.Long("produced"));
            Assert.Equal(4000, second.Long("acknowledged"));
            Assert.Equal(0, second.Long("lost"));
            Assert.Equal(0, second.Long("unexpected"));

            // Status: both members, every partition held by one of them under an epoch, nothing left to do.
            var status = await WaitForStatusAsync(engine, s =>
            {
                var group = s.GetProperty("groups")[0];
                return group.GetProperty("members").GetArrayLength() == 2
                    && group.GetProperty("partitions").EnumerateArray().All(p => p.GetProperty("owner").ValueKind == System.Text.Json.JsonValueKind.String)
                    && group.GetProperty("lag").GetInt64() == 0;
            });
            var billing = status.GetProperty("groups")[0];
            Assert.Equal("orders", billing.GetProperty("topic").GetString());
            Assert.All(billing.GetProperty("partitions").EnumerateArray(), p =>
            {
                Assert.Contains(p.GetProperty("owner").GetString(), new[] { "w1", "w2" });
                Assert.True(p.GetProperty("epoch").GetInt64() >= 1);
                Assert.Equal("held", p.GetProperty("lease").GetString());
            });
            Assert.Equal(4, billing.GetProperty("members").EnumerateArray().Sum(m => m.GetProperty("owned").GetArrayLength()));
        }
        finally
        {
            await stop.CancelAsync();
        }

        var (r1, r2) = (await w1, await w2);
        Assert.True(r1.ExitCode == 0, r1.ToString());
        Assert.True(r2.ExitCode == 0, r2.ToString());
        Assert.True(r1.Long("recorded") + r2.Long("recorded") >= 4000);

        // Every record names the member that handled the event and the epoch it held the partition under.
        await using var opened = await ShoalEngines.OpenAsync(engine);
        var records = await ReadAllAsync(opened, HandledRecord.TopicFor("orders", "billing"), 4);
        Assert.True(records.Count >= 4000);
        Assert.All(records, r =>
        {
            Assert.Contains(r.Member, new[] { "w1", "w2" });
            Assert.True(r.Epoch >= 1, $"record of {r.Key}/{r.Seq} has epoch {r.Epoch}");
        });
    }

    [Fact]
    public async Task A_worker_that_stops_mid_run_hands_its_partitions_over_and_nothing_is_lost()
    {
        var engine = NewEngine();
        Assert.Equal(0, (await RunAsync(["produce", "--engine", engine, "--topic", "t", "--events", "10", "--keys", "5", "--partitions", "6"])).ExitCode);
        using var stopAll = new CancellationTokenSource();
        using var stopFirst = CancellationTokenSource.CreateLinkedTokenSource(stopAll.Token);
        var w1 = StartWorker(engine, "t", "g", "w1", stopFirst.Token);
        var w2 = StartWorker(engine, "t", "g", "w2", stopAll.Token);
        try
        {
            var producing = RunAsync(["produce", "--engine", engine, "--topic", "t", "--events", "20000", "--keys", "200", "--rate", "20000"]);
            await WaitForStatusAsync(engine, s => s.GetProperty("groups")[0].GetProperty("members").EnumerateArray()
                .Count(m => m.GetProperty("owned").GetArrayLength() > 0) == 2);
            await Task.Delay(300);
            await stopFirst.CancelAsync();
            var first = await w1;
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.True((await producing).ExitCode == 0);

            var verified = await RunAsync(["verify", "--engine", engine, "--topic", "t", "--group", "g", "--wait", "30s", "--json"]);
            Assert.True(verified.ExitCode == 0, verified.ToString());
            Assert.Equal(20010, verified.Long("produced"));
            Assert.Equal(0, verified.Long("lost"));
            Assert.Equal(0, verified.Long("orderViolations"));

            var status = await WaitForStatusAsync(engine, s => s.GetProperty("groups")[0].GetProperty("members").GetArrayLength() == 1);
            Assert.Equal("w2", status.GetProperty("groups")[0].GetProperty("members")[0].GetProperty("memberId").GetString());
        }
        finally
        {
            await stopAll.CancelAsync();
        }

        Assert.Equal(0, (await w2).ExitCode);
    }

    [Fact]
    public async Task Status_shows_the_autoscalers_desired_members_for_a_group_that_falls_behind()
    {
        var engine = NewEngine();
        var produced = await RunAsync(["produce", "--engine", engine, "--topic", "busy", "--events", "6000", "--keys", "40", "--partitions", "4", "--json"]);
        Assert.True(produced.ExitCode == 0, produced.ToString());

        // One member that handles 100 events/s, 6000 waiting: the policy wants more members (the backlog beyond the
        // target lag of 1000 drained within 10 s needs about 500 events/s).
        using var stop = new CancellationTokenSource();
        var worker = RunAsync(
            ["worker", "--engine", engine, "--topic", "busy", "--group", "slow", "--handler", "noop", "--max-rate", "100", "--member-id", "w1",
             "--heartbeat", "200ms", "--session-ttl", "2s", "--json"],
            stop.Token);
        try
        {
            System.Text.Json.JsonElement autoscale = default;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                var status = await RunAsync(["status", "--engine", engine, "--group", "slow", "--sample", "1s", "--json"]);
                Assert.True(status.ExitCode == 0, status.ToString());
                var group = status.Json().GetProperty("groups")[0];
                // The first sample can straddle the worker's start (CI saw 42.6 events/s against the 100 it is held to), so
                // sample until one falls in the expected band; a rate that never gets there fails at the deadline.
                if (group.TryGetProperty("autoscale", out autoscale) && autoscale.ValueKind == System.Text.Json.JsonValueKind.Object
                    && autoscale.GetProperty("perMemberRate").GetDouble() is >= 50 and <= 150)
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, "status never measured the member's throughput at about 100 events/s; last: " + status.Out);
            }

            Assert.Equal(1, autoscale.GetProperty("liveMembers").GetInt32());
            Assert.Equal("scaleUp", autoscale.GetProperty("reason").GetString());
            Assert.InRange(autoscale.GetProperty("desiredMembers").GetInt32(), 2, 4);
            Assert.InRange(autoscale.GetProperty("perMemberRate").GetDouble(), 50, 150);
            Assert.True(autoscale.GetProperty("lag").GetInt64() > 1000);

            var text = await RunAsync(["status", "--engine", engine, "--group", "slow", "--sample", "500ms"]);
            Assert.Contains("group slow: autoscaler wants", text.Out);
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.Equal(0, (await worker).ExitCode);
    }

    private static async Task<System.Text.Json.JsonElement> WaitForStatusAsync(string engine, Func<System.Text.Json.JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var status = await RunAsync(["status", "--engine", engine, "--sample", "0", "--json"]);
            Assert.True(status.ExitCode == 0, status.ToString());
            var json = status.Json();
            if (json.GetProperty("groups").GetArrayLength() > 0 && condition(json))
            {
                return json;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("status never showed what the test waited for; last: " + status.Out);
            }

            await Task.Delay(50);
        }
    }

    internal static async Task<List<HandledRecord>> ReadAllAsync(IShoalEngine opened, string topic, int partitions)
    {
        var records = new List<HandledRecord>();
        var buffer = new EventEnvelope[256];
        for (var p = 0; p < partitions; p++)
        {
            var end = (await opened.Log.GetOffsetsAsync(topic, p)).End;
            for (long next = 0; next < end;)
            {
                var count = await opened.Log.ReadAsync(topic, p, next, buffer);
                for (var i = 0; i < count; i++)
                {
                    records.Add(HandledRecord.TryDecode(buffer[i].Payload) ?? throw new InvalidOperationException("bad record"));
                    next = buffer[i].Offset + 1;
                }
            }
        }

        return records;
    }
}
