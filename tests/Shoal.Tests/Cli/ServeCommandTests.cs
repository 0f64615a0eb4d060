using System.Net;
using System.Text.Json;
using Shoal.Cli;
using Shoal.Cli.Infrastructure;
using Shoal.Scenarios.Nats;
using Shoal.Tests.Runtime;
using Shoal.TestSupport;
using Xunit;

namespace Shoal.Tests.Cli;

public sealed class ServeCommandTests
{
    [Theory]
    [InlineData("--api-key", "short", "--api-key")]
    [InlineData("--api-key", "long-enough-key-1:write", "unknown scope")]
    [InlineData("--udp", "70000", "--udp")]
    [InlineData("--urls", "ftp://127.0.0.1:1", "--urls")]
    [InlineData("--engine", "mars://x", "mars")]
    [InlineData("--status-interval", "0", "--status-interval")]
    public async Task Bad_arguments_exit_2_naming_the_option(string option, string value, string expected)
    {
        var error = new StringWriter();

        var code = await ShoalCli.InvokeAsync(["serve", option, value], output: new StringWriter(), error: error);

        Assert.Equal(ExitCodes.BadArguments, code);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_listens_prints_its_urls_as_json_accepts_events_and_stops_with_exit_0_when_cancelled()
    {
        var text = new StringWriter();
        var output = TextWriter.Synchronized(text);
        using var stop = new CancellationTokenSource();
        var run = ShoalCli.InvokeAsync(
            ["serve", "--engine", "inproc://serve-test", "--urls", "http://127.0.0.1:0", "--api-key", "serve-test-key-0001:produce,admin", "--json"],
            output: output, error: TextWriter.Synchronized(new StringWriter()), cancellationToken: stop.Token);
        string Printed()
        {
            lock (output)
            {
                return text.ToString();
            }
        }

        await Wait.UntilAsync(() => Printed().Contains("\"urls\"", StringComparison.Ordinal) || run.IsCompleted, "serve printed its URLs", 20);
        Assert.False(run.IsCompleted, Printed());
        var started = JsonDocument.Parse(Printed().Trim().Split('\n')[^1]).RootElement;
        var url = new Uri(started.GetProperty("urls")[0].GetString()!);

        using var client = new HttpClient { BaseAddress = url };
        client.DefaultRequestHeaders.Authorization = new("Bearer", "serve-test-key-0001");
        using var created = await client.PutAsync("/v1/topics/cli", Server.ServerHost.Json("""{"partitions":2}"""));
        using var accepted = await client.PostAsync("/v1/topics/cli/events", Server.ServerHost.Json("""{"key":"a","type":"t","data":1}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(TimeSpan.FromSeconds(20)));
    }
}

public sealed class ServeProcessTests
{
    [Trait("Category", "Integration")]
    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_real_shoal_serve_process_stops_gracefully_on_sigterm_with_exit_0()
    {
        // A SIGTERM that arrives right after the start line: once, with System.CommandLine's own signal handler, it ended
        // serve with 143 in about 1 of 3 tries (the handler forces 143 when the verb has not yet returned to it from its
        // first real await, and serve prints its start line before that). Four tries in a row, each stopped with 0.
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await using var serve = VerbRunner.StartProcess("serve", "serve", "--urls", "http://127.0.0.1:0", "--json");
            await serve.WaitForLineAsync(l => l.Contains("\"urls\"", StringComparison.Ordinal), "--json start line", TimeSpan.FromSeconds(30));

            Assert.True(ExitCodes.Ok == await serve.TerminateAsync(TimeSpan.FromSeconds(15)), $"try {attempt}: serve did not exit 0 on SIGTERM: {serve}");
        }
    }
}

public sealed class ProduceProcessTests
{
    [Trait("Category", "Integration")]
    [Fact]
    public async Task Produce_stopped_by_sigterm_reports_how_far_it_got_and_exits_130()
    {
        // Once, a stopped produce printed only "error: cancelled." even with --json: nothing said how many events were
        // acknowledged (docs/cli.md: acknowledged is below requested only on failure or Ctrl+C).
        var dir = Path.Combine(Path.GetTempPath(), $"shoal-produce-stop-{Guid.NewGuid():N}");
        try
        {
            await using var produce = VerbRunner.StartProcess("produce", "produce", "--engine", $"file://{dir}", "--topic", "t", "--events", "100000", "--keys", "10",
                "--rate", "1000", "--json");
            await Task.Delay(TimeSpan.FromSeconds(2)); // about 2,000 events in, far from the 100,000
            Assert.False(produce.HasExited, produce.ToString());

            Assert.Equal(ExitCodes.Cancelled, await produce.TerminateAsync(TimeSpan.FromSeconds(30)));
            var report = System.Text.Json.JsonDocument.Parse(produce.Out.Trim().Split('\n')[^1]).RootElement;
            var acknowledged = report.GetProperty("acknowledged").GetInt64();
            Assert.InRange(acknowledged, 1, 99_999);
            Assert.Equal(100_000, report.GetProperty("requested").GetInt64());
            Assert.Contains($"error: cancelled after {acknowledged} of 100000 events were acknowledged.", produce.Err, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
