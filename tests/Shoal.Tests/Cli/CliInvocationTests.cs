using System.Text.Json;
using Shoal.Cli;
using Shoal.Scenarios.Demo;
using Xunit;

namespace Shoal.Tests.Cli;

public sealed class CliInvocationTests
{
    private static async Task<(int ExitCode, string Out, string Err)> RunAsync(IDemoRunner? runner, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ShoalCli.InvokeAsync(args, runner, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("--events", "0", "--events: must be at least 1")]
    [InlineData("--keys", "0", "--keys: must be at least 1")]
    [InlineData("--partitions", "0", "--partitions: must be between 1 and 100000")]
    [InlineData("--partitions", "100001", "--partitions: must be between 1 and 100000")]
    [InlineData("--handler-ms", "-1", "--handler-ms: must be between 0")]
    [InlineData("--nodes", "0", "--nodes: must be between 1 and 64")]
    [InlineData("--kill", "3", "leaves no member to take their partitions over")]
    [InlineData("--session-ttl", "100ms", "--session-ttl: must be at least twice --heartbeat")]
    [InlineData("--assignor", "random", "--assignor: 'random' is not an assignor")]
    [InlineData("--concurrency", "0", "--concurrency: must be between 1")]
    [InlineData("--format", "yaml", "--format: 'yaml' is not a payload format")]
    [InlineData("--producers", "0", "--producers: must be between 1 and 64")]
    [InlineData("--producers", "65", "--producers: must be between 1 and 64")]
    [InlineData("--events", "lots", "'lots'")]
    public async Task Bad_demo_options_exit_2_with_a_message_on_stderr(string option, string value, string message)
    {
        var runner = new FakeRunner(new DemoReport());
        var (exitCode, stdout, stderr) = await RunAsync(runner, "demo", option, value);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.Equal(string.Empty, stdout);
        Assert.Null(runner.Settings);
    }

    [Fact]
    public async Task Unknown_verb_exits_2()
    {
        var (exitCode, _, stderr) = await RunAsync(null, "frobnicate");
        Assert.Equal(2, exitCode);
        Assert.Contains("frobnicate", stderr);
    }

    [Fact]
    public async Task Help_works()
    {
        var (exitCode, stdout, _) = await RunAsync(null, "--help");
        Assert.Equal(0, exitCode);
        Assert.Contains("demo", stdout);
    }

    [Fact]
    public async Task Demo_without_a_runner_says_so_and_exits_1()
    {
        var (exitCode, _, stderr) = await RunAsync(null, "demo");
        Assert.Equal(1, exitCode);
        Assert.Contains("demo runner not wired yet", stderr);
    }

    [Fact]
    public async Task Demo_passes_the_parsed_options_to_the_runner()
    {
        var runner = new FakeRunner(new DemoReport());
        await RunAsync(runner, "demo", "--events", "5000", "--keys", "7", "--partitions", "3", "--handler-ms", "1.5", "--concurrency", "8", "--format", "messagepack", "--json");

        Assert.Equal(
            new DemoSettings { Events = 5000, Keys = 7, Partitions = 3, HandlerWork = TimeSpan.FromMilliseconds(1.5), Nodes = 3, Kill = 1, Concurrency = 8, Format = SerializationFormat.MessagePack },
            runner.Settings);
    }

    [Fact]
    public async Task Demo_with_json_prints_the_report_as_the_last_line()
    {
        var report = new DemoReport { Produced = 100, Processed = 100, EventsPerSecond = 50, Partitions = 12, Keys = 10, Nodes = 1 };
        var (exitCode, stdout, stderr) = await RunAsync(new FakeRunner(report), "demo", "--json");

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, stderr);
        var last = stdout.TrimEnd('\n', '\r').Split('\n')[^1];
        using var document = JsonDocument.Parse(last);
        Assert.Equal(100, document.RootElement.GetProperty("processed").GetInt64());
        Assert.Equal(0, document.RootElement.GetProperty("orderViolations").GetInt64());
    }

    [Fact]
    public async Task Demo_that_lost_events_exits_1()
    {
        var report = new DemoReport { Produced = 100, Processed = 99, Lost = 1 };
        var (exitCode, stdout, _) = await RunAsync(new FakeRunner(report), "demo");

        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL", stdout);
    }

    [Fact]
    public async Task Configuration_errors_from_the_runner_exit_2_without_a_stack_trace()
    {
        var runner = new FakeRunner(new DemoReport(), new ShoalConfigurationException("GroupOptions.MaxConcurrency", "must be between 1 and 10000; was 0."));
        var (exitCode, _, stderr) = await RunAsync(runner, "demo");

        Assert.Equal(2, exitCode);
        Assert.Contains("error: --concurrency: must be between 1 and 10000; was 0.", stderr);
        Assert.DoesNotContain("GroupOptions", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    /// <summary>Test double: returns a fixed report (the real runner comes with the runtime).</summary>
    private sealed class FakeRunner(DemoReport report, Exception? failure = null) : IDemoRunner
    {
        public DemoSettings? Settings { get; private set; }

        public Task<DemoReport> RunAsync(DemoSettings settings, IDemoProgress progress, CancellationToken cancellationToken)
        {
            Settings = settings;
            return failure is null ? Task.FromResult(report) : Task.FromException<DemoReport>(failure);
        }
    }
}
