using Shoal.Scenarios.Nats;
using Shoal.Tests.Cli;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// Bad credentials and unreachable servers through the real <c>shoal</c> processes: a clear error on stderr naming the
/// URL and the cause, no stack trace, no secret echoed, exit 1, and nothing published — so the run that finally has the
/// right credentials is the topic's only run and every event is stored and handled once.
/// </summary>
public sealed class NatsCliConnectionErrorTests(ITestOutputHelper log)
{
    private const string Password = "s3cret-pass";

    [Trait("Category", "Integration")]
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Refused_credentials_and_unreachable_servers_fail_clearly_and_publish_nothing_twice()
    {
        // User and password from a config file, for its auth timeout: the default 2 s can run out before a client
        // starved of CPU sends its credentials, and the server then answers "Authentication Timeout" instead.
        var config = Path.Combine(Path.GetTempPath(), $"shoal-auth-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(config, $"authorization {{ user: shoal, password: \"{Password}\", timeout: 30 }}\n");
        try
        {
            await RunAsync(config);
        }
        finally
        {
            File.Delete(config);
        }
    }

    private async Task RunAsync(string config)
    {
        await using var server = await LocalNatsCluster.StartAsync(new LocalNatsClusterOptions { ExtraArguments = ["-c", config] });
        var hostPort = server.Urls[0]["nats://".Length..];
        var unreachable = $"127.0.0.1:{LocalNatsCluster.FreePorts(1)[0]}";
        string[] Produce(string engine) => ["produce", "--engine", engine, "--topic", "orders", "--events", "1000", "--keys", "10", "--partitions", "4", "--json"];
        string[] Worker(string engine) => ["worker", "--engine", engine, "--topic", "orders", "--group", "billing", "--handler", "verify", "--member-id", "w1"];

        var failures = await Task.WhenAll(
            Expect(Produce($"nats://{hostPort}"), hostPort, "Authorization"),
            Expect(Produce($"nats://shoal:wrong-pass@{hostPort}"), hostPort, "Authorization"),
            Expect(Worker($"nats://shoal:wrong-pass@{hostPort}"), hostPort, "Authorization"),
            // Nothing listening is retried (a server may be starting) until the verb's deadline, then said.
            Expect([.. Produce($"nats://{unreachable}?connect-timeout=2s"), "--timeout", "3s"], unreachable, "Cannot connect"),
            Expect([.. Worker($"nats://{unreachable}?connect-timeout=2s"), "--startup-timeout", "3s"], unreachable, "Cannot connect"));
        Assert.All(failures, f => Assert.DoesNotContain("wrong-pass", f.Err + f.Out, StringComparison.Ordinal));

        // The right credentials: the first and only run, every event stored once and handled once.
        var engine = $"nats://shoal:{Password}@{hostPort}";
        var produced = await VerbRunner.RunProcessAsync(Produce(engine));
        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.Equal((0L, 1000L, 0L), (produced.Long("run"), produced.Long("acknowledged"), produced.Long("duplicates")));

        await using var worker = VerbRunner.StartProcess("w1", Worker(engine));
        var verify = await VerbRunner.RunProcessAsync(["verify", "--engine", engine, "--topic", "orders", "--group", "billing", "--wait", "60s", "--json"], 90);
        worker.Terminate();
        Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)), worker.ToString());
        log.WriteLine(verify.Out);
        Assert.True(verify.ExitCode == 0, verify + "\nworker: " + worker);
        var report = verify.Json();
        Assert.Equal(1, report.GetProperty("runs").GetInt32());
        Assert.Equal(1000, report.GetProperty("produced").GetInt64());
        Assert.Equal(1000, report.GetProperty("processed").GetInt64());
        Assert.Equal(0, report.GetProperty("duplicates").GetInt64());
        Assert.Equal(0, report.GetProperty("unexpected").GetInt64());
        Assert.Equal(0, worker.ExitCode);
    }

    [Trait("Category", "Integration")]
    [Fact]
    public async Task Produce_started_before_its_server_waits_for_it_and_publishes_everything()
    {
        // Once, nothing listening failed produce at once ("Cannot connect", in under a second) whatever its --timeout;
        // a server that is still starting (a container, a restart) is what the deadline is for.
        var port = LocalNatsCluster.FreePorts(1)[0];
        var produce = VerbRunner.StartProcess("produce", "produce", "--engine", $"nats://127.0.0.1:{port}", "--topic", "orders", "--events", "100", "--keys", "10",
            "--partitions", "2", "--timeout", "60s", "--json");
        await using (produce)
        {
            // Retries are said on stderr: "retrying in 100ms: Cannot connect to NATS at …".
            await Wait.UntilAsync(() => produce.ErrorLines.Any(l => l.Contains("retrying in", StringComparison.Ordinal)) || produce.HasExited, "a retry while nothing listens", 30);
            Assert.False(produce.HasExited, produce.ToString());

            // The server on the port produce was given (a later -p wins over the one the cluster picked).
            await using var server = await LocalNatsCluster.StartAsync(new LocalNatsClusterOptions { ExtraArguments = ["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)] });
            Assert.True(await produce.WaitForExitAsync(TimeSpan.FromSeconds(60)), produce.ToString());
            Assert.True(produce.ExitCode == 0, produce.ToString());
            var report = System.Text.Json.JsonDocument.Parse(produce.Out.Trim().Split('\n')[^1]).RootElement;
            Assert.Equal(100, report.GetProperty("acknowledged").GetInt64());
        }
    }

    [Trait("Category", "Integration")]
    [Theory]
    [InlineData("status", "--timeout", "2s")]
    [InlineData("verify", "--topic", "orders", "--group", "billing", "--wait", "2s")]
    [InlineData("supervise", "--topic", "orders", "--group", "billing", "--", "--handler", "noop", "--startup-timeout", "2s")]
    [InlineData("serve", "--urls", "http://127.0.0.1:0", "--startup-timeout", "2s")]
    public async Task Status_verify_supervise_and_serve_retry_an_unreachable_server_until_their_deadline_and_then_say_what_they_last_saw(string verb, params string[] options)
    {
        // status: its --timeout; supervise: its workers' --startup-timeout (both retried a fixed 30 s / 60 s before); serve:
        // its --startup-timeout (it did not retry at all).
        var unreachable = $"127.0.0.1:{LocalNatsCluster.FreePorts(1)[0]}";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await VerbRunner.RunProcessAsync([verb, "--engine", $"nats://{unreachable}", .. options]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("retrying in ", result.Err, StringComparison.Ordinal);
        // The error names the option whose deadline ran out and says the URL once (NATS.Net's "can not connect uris: …"
        // repeated it).
        var deadline = verb switch { "status" => "--timeout 2s", "verify" => "--wait 2s", _ => "--startup-timeout 2s" };
        Assert.Contains($"error: connecting did not succeed within {deadline}; the last error was: Cannot connect to NATS at nats://{unreachable}: no server accepted a connection", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("can not connect uris", result.Err, StringComparison.Ordinal);
        Assert.Contains("still failing after", result.Err, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}: a fixed default, not the 2 s deadline?");
    }

    private async Task<VerbResult> Expect(string[] args, string url, string cause)
    {
        var result = await VerbRunner.RunProcessAsync(args);
        log.WriteLine($"shoal {string.Join(' ', args)} → exit {result.ExitCode}: {result.Err.Trim()}");
        Assert.True(result.ExitCode == 1, $"expected exit 1: {result}");
        // A password on the command line is warned about first (docs/cli.md, credentials); then the error.
        var inlinePassword = args.Any(a => a.Contains('@', StringComparison.Ordinal));
        // Retries of what may pass (nothing listening yet) are said, one line each, before the error.
        var lines = result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("retrying in ", StringComparison.Ordinal)).ToArray();
        var warned = lines.Length > 0 && lines[0].StartsWith("warning: --engine holds a password or token", StringComparison.Ordinal);
        Assert.True(warned == inlinePassword, $"warning expected: {inlinePassword}\n{result}");
        Assert.StartsWith("error: ", lines.ElementAtOrDefault(warned ? 1 : 0) ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains(url, result.Err, StringComparison.Ordinal);
        Assert.Contains(cause, result.Err, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, result.Err + result.Out, StringComparison.Ordinal);
        return result;
    }
}
