using System.Text.Json;
using Shoal.Cli;
using Shoal.Engine;
using Shoal.Scenarios.Demo;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>The real demo on the in-process engine: what was published is compared with what was handled.</summary>
public sealed class DemoRunnerTests
{
    [Theory]
    [InlineData(SerializationFormat.Json)]
    [InlineData(SerializationFormat.MessagePack)]
    [InlineData(SerializationFormat.Protobuf)]
    [InlineData(SerializationFormat.Xml)]
    public async Task Every_published_event_is_handled_once_in_order_in_every_format(SerializationFormat format)
    {
        var settings = new DemoSettings { Events = 20_000, Keys = 100, Partitions = 4, Format = format };

        var report = await new DemoRunner().RunAsync(settings, NoProgress.Instance, CancellationToken.None);

        Assert.Equal(20_000, report.Produced);
        Assert.Equal(20_000, report.Processed);
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(0, report.OrderViolations);
        Assert.True(report.EventsPerSecond > 0);
    }

    [Theory]
    [InlineData(1, 103, 1)] // one producer, one node
    [InlineData(5, 103, 1)] // keys not a multiple of the producer count, the last round partial
    [InlineData(8, 3, 1)] // more producers than keys: some own none
    [InlineData(4, 103, 3)] // the cluster demo (three members, one killed) with several producers
    public async Task Several_producers_each_own_a_share_of_the_keys_and_every_key_stays_in_order(int producers, int keys, int nodes)
    {
        const int events = 20_003;
        var settings = new DemoSettings { Events = events, Keys = keys, Partitions = 4, Producers = producers, Nodes = nodes };

        var report = await new DemoRunner().RunAsync(settings, NoProgress.Instance, CancellationToken.None);

        Assert.Equal(events, report.Produced);
        Assert.Equal(events, report.Processed - report.Duplicates);
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.OrderViolations);
    }

    [Fact]
    public async Task The_default_producer_count_is_one_in_memory_and_eight_where_appends_wait_for_a_disk_or_network()
    {
        Assert.Equal(1, DemoSettings.DefaultProducers("inproc://"));
        Assert.Equal(1, DemoSettings.DefaultProducers("inproc://shared"));
        Assert.Equal(8, DemoSettings.DefaultProducers("file:///tmp/x"));
        Assert.Equal(8, DemoSettings.DefaultProducers("nats://127.0.0.1:4222"));

        var directory = Directory.CreateTempSubdirectory("shoal-demo-");
        try
        {
            // The durable engine with the default (flush before acknowledging) and several producers.
            var settings = new DemoSettings { Events = 10_000, Keys = 100, Partitions = 4, Producers = 8, Engine = "file://" + directory.FullName };
            var report = await new DemoRunner().RunAsync(settings, NoProgress.Instance, CancellationToken.None);
            Assert.Equal((10_000, 10_000, 0, 0), (report.Produced, report.Processed, report.Lost, report.OrderViolations));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_demo_runs_on_the_engine_the_option_names_in_a_fresh_topic_each_time()
    {
        var engine = "inproc://demo-" + Guid.NewGuid().ToString("N")[..8];
        var settings = new DemoSettings { Events = 5_000, Keys = 50, Partitions = 3, Engine = engine };

        var first = await new DemoRunner().RunAsync(settings, NoProgress.Instance, CancellationToken.None);
        var second = await new DemoRunner().RunAsync(settings, NoProgress.Instance, CancellationToken.None);

        Assert.Equal((5_000, 0, 0), (first.Processed, first.Lost, first.OrderViolations));
        Assert.Equal((5_000, 0, 0), (second.Processed, second.Lost, second.OrderViolations));
        await using var opened = await ShoalEngines.OpenAsync(engine);
        var topics = await opened.Log.ListTopicsAsync();
        Assert.Equal(2, topics.Count(t => t.Name.StartsWith("demo-", StringComparison.Ordinal) && !t.Name.Contains('.', StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Slow_handlers_on_few_partitions_still_run_keys_concurrently()
    {
        // 400 events of 5 ms on one partition: one at a time would take 2 s; 64 keys at once take a fraction.
        var settings = new DemoSettings { Events = 400, Keys = 200, Partitions = 1, HandlerWork = TimeSpan.FromMilliseconds(5), Concurrency = 64 };

        var report = await new DemoRunner().RunAsync(settings, NoProgress.Instance, CancellationToken.None);

        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.OrderViolations);
        Assert.True(report.ElapsedMs < 1_500, $"took {report.ElapsedMs} ms: keys did not run concurrently");
    }

    [Fact]
    public async Task Shoal_demo_json_prints_the_report_as_the_last_line_and_exits_0()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = await ShoalCli.InvokeAsync(["demo", "--events", "5000", "--keys", "50", "--json"], new DemoRunner(), output, error);

        Assert.Equal(0, exitCode);
        var last = output.ToString().TrimEnd().Split('\n')[^1];
        using var json = JsonDocument.Parse(last);
        Assert.Equal(5000, json.RootElement.GetProperty("produced").GetInt64());
        // By default the demo is a cluster of 3 members with one crashed at mid-run: redeliveries are allowed.
        var processed = json.RootElement.GetProperty("processed").GetInt64();
        Assert.Equal(processed - 5000, json.RootElement.GetProperty("duplicates").GetInt64());
        Assert.Equal(0, json.RootElement.GetProperty("lost").GetInt64());
        Assert.Equal(0, json.RootElement.GetProperty("orderViolations").GetInt64());
        Assert.Equal(0, json.RootElement.GetProperty("zombieCommitsAccepted").GetInt64());
        Assert.Equal(3, json.RootElement.GetProperty("nodes").GetInt32());
        Assert.True(json.RootElement.GetProperty("eventsPerSecond").GetDouble() > 0);
    }
}

/// <summary>The demo as a cluster: members crash, pause and join while events flow; nothing is lost or reordered.</summary>
[Trait("Category", "Cluster")]
[Collection(Shoal.Tests.Cluster.ClusterHarness.Collection)]
public sealed class ClusterDemoTests
{
    private static DemoSettings Cluster(int kill = 0, int join = 0, int pause = 0) => new()
    {
        Events = 60_000,
        Keys = 200,
        Partitions = 8,
        Nodes = 3,
        Kill = kill,
        Join = join,
        Pause = pause,
        Heartbeat = TimeSpan.FromMilliseconds(100),
        SessionTtl = TimeSpan.FromMilliseconds(800),
    };

    [Fact]
    public async Task A_crashed_member_loses_nothing_and_its_partitions_are_taken_over()
    {
        var report = await new DemoRunner().RunAsync(Cluster(kill: 1), NoProgress.Instance, CancellationToken.None);

        Assert.Equal((0L, 0L, 0L), (report.Lost, report.OrderViolations, report.ZombieCommitsAccepted));
        Assert.Equal(60_000, report.Produced);
        Assert.InRange(report.FailoverMs, 1, 5_000);
        Assert.Equal(2, report.Assignment!.Count);
        Assert.Equal(Enumerable.Range(0, 8), report.Assignment.Values.SelectMany(p => p).Order());
        Assert.Equal(0, report.ExitCode());
    }

    [Fact]
    public async Task A_paused_member_comes_back_as_a_zombie_and_none_of_its_commits_is_accepted()
    {
        var report = await new DemoRunner().RunAsync(Cluster(pause: 1), NoProgress.Instance, CancellationToken.None);

        Assert.Equal((0L, 0L, 0L), (report.Lost, report.OrderViolations, report.ZombieCommitsAccepted));
        Assert.Equal(0, report.ExitCode());
    }

    [Fact]
    public async Task A_joining_member_gets_a_share_without_duplicates()
    {
        var progress = new RecordingProgress();
        var report = await new DemoRunner().RunAsync(Cluster(join: 1), progress, CancellationToken.None);

        Assert.Equal((0L, 0L, 0L, 0L), (report.Lost, report.OrderViolations, report.Duplicates, report.ZombieCommitsAccepted));
        Assert.Equal(4, report.Assignment!.Count);
        Assert.All(report.Assignment.Values, partitions => Assert.InRange(partitions.Length, 2, 2));

        // What the live view draws: every member by id, the joiner once it joined, and the final handled count.
        Assert.Equal(report.Produced, progress.LastHandled);
        Assert.Equal(["node-1", "node-2", "node-3", "node-4"], progress.LastSnapshot!.Members.Select(m => m.Id));
        Assert.All(progress.LastSnapshot.Members, m => Assert.Equal("live", m.State));
    }

    private sealed class RecordingProgress : IDemoProgress
    {
        public long LastHandled { get; private set; }

        public ClusterSnapshot? LastSnapshot { get; private set; }

        public void Handled(long count) => LastHandled = count;

        public void Cluster(ClusterSnapshot snapshot) => LastSnapshot = snapshot;
    }
}

/// <summary>Drops a demo run's progress.</summary>
internal sealed class NoProgress : IDemoProgress
{
    public static NoProgress Instance { get; } = new();

    public void Handled(long count)
    {
    }

    public void Cluster(ClusterSnapshot snapshot)
    {
    }
}
