using System.Diagnostics;
using Xunit;
using static Shoal.Tests.Cli.VerbRunner;

namespace Shoal.Tests.Cli;

public sealed class VerbOptionTests
{
    [Theory]
    [InlineData("--events: must be at least 1", "produce", "--topic", "t", "--events", "0", "--keys", "1")]
    [InlineData("--keys: must be between 1", "produce", "--topic", "t", "--events", "10", "--keys", "0")]
    [InlineData("--topic", "produce", "--events", "10", "--keys", "1")]
    [InlineData("--topic: 'a b' is not a valid name", "produce", "--topic", "a b", "--events", "10", "--keys", "1")]
    [InlineData("--partitions: must be between 1 and 100000", "produce", "--topic", "t", "--events", "10", "--keys", "1", "--partitions", "0")]
    [InlineData("--replicas: must be between 1 and 5", "produce", "--topic", "t", "--events", "10", "--keys", "1", "--replicas", "7")]
    [InlineData("--rate: must be between 0", "produce", "--topic", "t", "--events", "10", "--keys", "1", "--rate", "-1")]
    [InlineData("--timeout: must be more than 0", "produce", "--topic", "t", "--events", "10", "--keys", "1", "--timeout", "0s")]
    [InlineData("--timeout: 'soon' is not a duration", "produce", "--topic", "t", "--events", "10", "--keys", "1", "--timeout", "soon")]
    [InlineData("--timeout: must be more than 0", "status", "--timeout", "0")]
    [InlineData("--engine: 'kafka://x': scheme 'kafka://' is not supported", "produce", "--engine", "kafka://x", "--topic", "t", "--events", "10", "--keys", "1")]
    [InlineData("--handler: 'fast' is not a handler", "worker", "--topic", "t", "--group", "g", "--handler", "fast")]
    [InlineData("--handler: 'sleep:x' is not a handler", "worker", "--topic", "t", "--group", "g", "--handler", "sleep:x")]
    [InlineData("--handler", "worker", "--topic", "t", "--group", "g")]
    [InlineData("--group", "worker", "--topic", "t", "--handler", "noop")]
    [InlineData("--member-id: 'a/b' is not a valid member id", "worker", "--topic", "t", "--group", "g", "--handler", "noop", "--member-id", "a/b")]
    [InlineData("--heartbeat: '5' is not a duration", "worker", "--topic", "t", "--group", "g", "--handler", "noop", "--heartbeat", "5")]
    [InlineData("--session-ttl: must be at least twice --heartbeat", "worker", "--topic", "t", "--group", "g", "--handler", "noop", "--session-ttl", "1s")]
    [InlineData("--concurrency: must be between 1", "worker", "--topic", "t", "--group", "g", "--handler", "noop", "--concurrency", "0")]
    [InlineData("--assignor: 'best' is not an assignor", "worker", "--topic", "t", "--group", "g", "--handler", "noop", "--assignor", "best")]
    [InlineData("--handler-concurrency: must be between 0", "worker", "--topic", "t", "--group", "g", "--handler", "noop", "--handler-concurrency", "-1")]
    [InlineData("--engine: 'inproc://': worker processes need an engine they can share", "bench", "scaling", "--engine", "inproc://")]
    [InlineData("--workers: '1,x' is not a list of counts", "bench", "scaling", "--workers", "1,x")]
    [InlineData("--workers: '0' is not a list of counts", "bench", "scaling", "--workers", "0")]
    [InlineData("--replicas: '2' is not 1, 3 or both", "bench", "nats", "--replicas", "2")]
    [InlineData("--wait: '-1s' is negative", "verify", "--topic", "t", "--group", "g", "--wait", "-1s")]
    [InlineData("--group: '-g' is not a valid name", "status", "--group", "-g")]
    [InlineData("--engine: 'nowhere' is not an engine URI", "status", "--engine", "nowhere")]
    public async Task Bad_options_exit_2_naming_the_option(string message, params string[] args)
    {
        var result = await RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Err);
        Assert.DoesNotContain("   at ", result.Err);
        var option = message.Split(':')[0];
        Assert.DoesNotContain($"{option}: {option}:", result.Err); // the option is named once
    }

    [Fact]
    public async Task Producing_to_an_existing_topic_with_other_partitions_names_the_option()
    {
        var engine = NewEngine();
        Assert.Equal(0, (await RunAsync(["produce", "--engine", engine, "--topic", "t", "--events", "5", "--keys", "1", "--partitions", "3"])).ExitCode);

        var result = await RunAsync(["produce", "--engine", engine, "--topic", "t", "--events", "5", "--keys", "1", "--partitions", "4"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--partitions: topic 't' already exists with 3 partitions; was 4", result.Err);
    }

    [Fact]
    public async Task A_worker_on_a_topic_that_does_not_exist_gets_a_clear_error()
    {
        var engine = NewEngine();

        var result = await RunAsync(["worker", "--engine", engine, "--topic", "missing", "--group", "g", "--handler", "verify"]);

        // Not "create it first with shoal produce --engine inproc://…": that other process would have an engine of its own.
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: topic 'missing' does not exist on {engine}, and cannot: an inproc:// engine lives inside this one process", result.Err);
        Assert.Contains("file://DIR or nats://", result.Err);
        Assert.DoesNotContain("   at ", result.Err);
    }

    /// <summary>Only this process could create the topic in a file:// directory it owns: a missing topic stays an error, not a wait.</summary>
    [Fact]
    public async Task A_worker_on_a_file_engine_without_its_topic_gets_a_clear_error_rather_than_waiting()
    {
        using var directory = new Shoal.Tests.Engines.TempDirectory();
        var engine = "file://" + directory.Path;

        var result = await RunAsync(["worker", "--engine", engine, "--topic", "missing", "--group", "g", "--handler", "noop"]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"error: topic 'missing' does not exist on {engine}; create it first", result.Err);
        Assert.DoesNotContain("waiting", result.Err);
    }

    [Fact]
    public async Task Replicas_are_accepted_and_the_in_process_engine_says_it_ignores_them()
    {
        var result = await RunAsync(["produce", "--engine", NewEngine(), "--topic", "t", "--events", "5", "--keys", "1", "--replicas", "3", "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("--replicas 3 is ignored", result.Err);
        Assert.Equal(5, result.Long("acknowledged"));
    }

    [Fact]
    public async Task Status_of_an_engine_with_no_groups_says_so()
    {
        var result = await RunAsync(["status", "--engine", NewEngine()]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("No groups found", result.Out);
    }

    /// <summary>
    /// The built <c>shoal</c> as a separate process: the verbs parse, run and exit with the documented codes. (An
    /// <c>inproc://</c> engine lives inside one process, so verbs in different processes cannot share one: the
    /// multi-process tests come with an engine that can, NATS.)
    /// </summary>
    [Trait("Category", "Integration")]
    [Fact]
    public async Task The_built_shoal_runs_as_its_own_process()
    {
        var produced = await VerbRunner.RunProcessAsync("produce", "--topic", "t", "--events", "500", "--keys", "7", "--json");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.Equal(500, produced.Long("acknowledged"));

        var worker = await VerbRunner.RunProcessAsync("worker", "--topic", "t", "--group", "g", "--handler", "verify");
        Assert.Equal(1, worker.ExitCode);
        Assert.Contains("topic 't' does not exist on inproc://", worker.Err);

        var bad = await VerbRunner.RunProcessAsync("verify", "--topic", "t", "--group", "g", "--wait", "soon");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--wait: 'soon' is not a duration", bad.Err);
    }
}
