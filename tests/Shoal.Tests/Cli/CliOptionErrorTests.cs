using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Shoal.Cli;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>
/// Options a user can get wrong: every one is refused at once with exit 2 and an <c>error:</c> line naming the option as
/// written on the command line (never a C# property, never a stack trace); failures to start (a port in use) exit 1
/// with one <c>error:</c> line.
/// </summary>
public sealed class CliOptionErrorTests
{
    private const string TooLong = "99999999h";

    /// <summary>Every duration option of every verb, with the other options the verb requires.</summary>
    [Theory]
    [InlineData("--heartbeat", "demo", "--events", "100", "--nodes", "2")]
    [InlineData("--session-ttl", "demo", "--events", "100", "--nodes", "2")]
    [InlineData("--heartbeat", "worker", "--topic", "t", "--group", "g", "--handler", "noop")]
    [InlineData("--session-ttl", "worker", "--topic", "t", "--group", "g", "--handler", "noop")]
    [InlineData("--startup-timeout", "worker", "--topic", "t", "--group", "g", "--handler", "noop")]
    [InlineData("--wait", "verify", "--topic", "t", "--group", "g")]
    [InlineData("--sample", "status")]
    [InlineData("--session-ttl", "serve")]
    [InlineData("--status-interval", "serve")]
    [InlineData("--interval", "supervise", "--topic", "t", "--group", "g", "--", "--handler", "noop")]
    [InlineData("--startup", "supervise", "--topic", "t", "--group", "g", "--", "--handler", "noop")]
    [InlineData("--stop-timeout", "supervise", "--topic", "t", "--group", "g", "--", "--handler", "noop")]
    [InlineData("--scale-up-window", "supervise", "--topic", "t", "--group", "g", "--", "--handler", "noop")]
    [InlineData("--scale-down-window", "supervise", "--topic", "t", "--group", "g", "--", "--handler", "noop")]
    [InlineData("--cooldown", "supervise", "--topic", "t", "--group", "g", "--", "--handler", "noop")]
    [InlineData("--drain-time", "supervise", "--topic", "t", "--group", "g", "--", "--handler", "noop")]
    [InlineData("--startup", "autoscale-sim", "--profile", "step")]
    [InlineData("--scale-up-window", "autoscale-sim", "--profile", "step")]
    [InlineData("--scale-down-window", "autoscale-sim", "--profile", "step")]
    [InlineData("--cooldown", "autoscale-sim", "--profile", "step")]
    [InlineData("--drain-time", "autoscale-sim", "--profile", "step")]
    [InlineData("--warmup", "bench", "scaling")]
    [InlineData("--window", "bench", "scaling")]
    [InlineData("--heartbeat", "bench", "failover")]
    [InlineData("--session-ttl", "bench", "failover")]
    public async Task A_duration_longer_than_a_timer_can_wait_exits_2_at_once_naming_the_option(string option, params string[] args)
    {
        var clock = Stopwatch.StartNew();

        // Before "--" (the rest goes to supervise's workers), else at the end.
        var at = Array.IndexOf(args, "--") is >= 0 and var dashes ? dashes : args.Length;
        var result = await RunWithinAsync([.. args[..at], option, TooLong, .. args[at..]], TimeSpan.FromSeconds(20));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"error: {option}: '{TooLong}' is too long", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}: not at once");
    }

    [Theory]
    [InlineData("file://./data?durability=interval&flush-interval=" + TooLong, "flush-interval")]
    [InlineData("nats://127.0.0.1:4222?connect-timeout=" + TooLong, "connect-timeout")]
    public async Task A_duration_in_an_engine_uri_longer_than_a_timer_can_wait_exits_2(string uri, string setting)
    {
        var result = await VerbRunner.RunAsync(["status", "--engine", uri]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("error: --engine: ", result.Err, StringComparison.Ordinal);
        Assert.Contains($"{setting}: '{TooLong}' is too long", result.Err, StringComparison.Ordinal);
    }

    /// <summary>Values the CLI's own checks let through to a library's validation: the error still names the CLI option.</summary>
    [Theory]
    [InlineData("--heartbeat: must be more than 0", "demo", "--events", "100", "--nodes", "2", "--heartbeat", "0")]
    [InlineData("--heartbeat: must be more than 0", "demo", "--events", "100", "--nodes", "2", "--heartbeat", "0.00001ms", "--session-ttl", "1s")]
    [InlineData("--heartbeat: must be more than 0", "worker", "--topic", "t", "--group", "g", "--handler", "noop", "--heartbeat", "0")]
    [InlineData("--heartbeat: must be more than 0", "bench", "failover", "--heartbeat", "0")]
    [InlineData("--session-ttl: must be more than 0", "serve", "--session-ttl", "0")]
    [InlineData("--parent-pid: must be", "worker", "--topic", "t", "--group", "g", "--handler", "noop", "--parent-pid", "0")]
    [InlineData("--engine: 'nats://127.0.0.1:4222?replicas=9': replicas: must be between 1 and 5", "status", "--engine", "nats://127.0.0.1:4222?replicas=9")]
    [InlineData("--engine: 'nats://127.0.0.1:4222?kv-replicas=0': kv-replicas: must be between 1 and 5", "status", "--engine", "nats://127.0.0.1:4222?kv-replicas=0")]
    [InlineData("--engine: 'nats://127.0.0.1:4222?connect-timeout=0': connect-timeout: must be more than 0", "status", "--engine", "nats://127.0.0.1:4222?connect-timeout=0")]
    [InlineData("--engine: 'nats://127.0.0.1:99999': '127.0.0.1:99999' is not a server", "status", "--engine", "nats://127.0.0.1:99999")]
    [InlineData("--engine: 'nats://127.0.0.1:4222?creds=/nonexistent/x.creds': creds: file '/nonexistent/x.creds' does not exist", "status", "--engine", "nats://127.0.0.1:4222?creds=/nonexistent/x.creds")]
    [InlineData("--engine: 'nats://127.0.0.1:4222?tls=maybe': tls must be true or false", "status", "--engine", "nats://127.0.0.1:4222?tls=maybe")]
    [InlineData("--engine: 'nats://127.0.0.1:4222?tls-insecure=perhaps': tls-insecure must be true or false", "status", "--engine", "nats://127.0.0.1:4222?tls-insecure=perhaps")]
    public async Task Option_errors_name_the_cli_option_not_the_library_property(string message, params string[] args)
    {
        var result = await RunWithinAsync(args, TimeSpan.FromSeconds(20));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("error: " + message, result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Options.", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--urls", "http://127.0.0.1:99999")]
    [InlineData("--udp", "99999")]
    [InlineData("--api-key", "short")]
    public async Task A_serve_option_error_names_the_option_once(string option, string value)
    {
        var result = await VerbRunner.RunAsync(["serve", option, value]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error: {option}: ", result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain($"{option}: {option}:", result.Err, StringComparison.Ordinal);
    }

    /// <summary>Pacing at a rate whose next event is further away than a TimeSpan can say: it waits (until cancelled), it does not crash.</summary>
    [Fact]
    public async Task Produce_at_a_vanishingly_small_rate_waits_until_cancelled()
    {
        var result = await RunWithinAsync(
            ["produce", "--engine", VerbRunner.NewEngine(), "--topic", "t", "--events", "3", "--keys", "1", "--rate", "1e-300", "--json"],
            TimeSpan.FromSeconds(3));

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
    }

    [Trait("Category", "Integration")]
    [Theory]
    [InlineData("https://127.0.0.1:0", "https:// needs a certificate")]
    [InlineData("http://127.0.0.1:0/shoal", "a path")]
    [InlineData("http://localhost:0", "use http://127.0.0.1:0")]
    [InlineData("http://127.0.0.1:0;http://LocalHost:0", "use http://127.0.0.1:0")]
    public async Task Serve_refuses_urls_it_cannot_listen_on_with_exit_2(string url, string reason)
    {
        var result = await VerbRunner.RunProcessAsync(["serve", "--urls", url, "--api-key", "serve-test-key-0001"], 30);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"error: --urls: '{url.Split(';')[^1]}'", result.Err, StringComparison.Ordinal);
        Assert.Contains(reason, result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
    }

    /// <summary>Every way a listen address can fail to bind, each one error line naming the URL as written (exit 1).</summary>
    [Trait("Category", "Integration")]
    [Theory]
    [InlineData("http://127.0.0.1:{0}", "in use")]
    [InlineData("http://[::1]:{1}", "in use")]
    [InlineData("http://localhost:{0}", "in use")]
    [InlineData("http://0.0.0.0:{0}", "in use")]
    [InlineData("http://192.0.2.1:8080", "not one of this host's")] // TEST-NET-1 (RFC 5737): never an address of this host
    [InlineData("http://127.0.0.1:0;http://192.0.2.1:8080", "not one of this host's")]
    [InlineData("http://192.0.2.1:8080", "not one of this host's", "--udp", "0")] // UDP binds (first) and is not blamed
    public async Task Serve_on_an_address_it_cannot_listen_on_exits_1_with_one_error_line_naming_the_url(string urls, string reason, params string[] more)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        using var taken6 = new TcpListener(IPAddress.IPv6Loopback, 0);
        taken.Start();
        taken6.Start();
        urls = string.Format(System.Globalization.CultureInfo.InvariantCulture, urls, ((IPEndPoint)taken.LocalEndpoint).Port, ((IPEndPoint)taken6.LocalEndpoint).Port);
        var url = urls.Split(';')[^1];

        var result = await VerbRunner.RunProcessAsync(["serve", "--urls", urls, "--api-key", "serve-test-key-0001", .. more], 30);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
        var lines = result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("info: ", StringComparison.Ordinal) && !l.StartsWith("UDP ingest", StringComparison.Ordinal)) // --udp says where it listens
            .ToList();
        Assert.True(lines.Count == 1, result.ToString());
        Assert.StartsWith($"error: --urls: cannot listen on {url}: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(reason, lines[0], StringComparison.Ordinal);
    }

    [Trait("Category", "Integration")]
    [Fact]
    public async Task Serve_with_a_udp_address_it_cannot_bind_exits_1_with_one_error_line_naming_it()
    {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this host.
        var result = await VerbRunner.RunProcessAsync(["serve", "--urls", "http://127.0.0.1:0", "--udp", "192.0.2.1:0", "--api-key", "serve-test-key-0001"], 30);

        Assert.True(result.ExitCode == 1, result.ToString());
        var lines = result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, result.ToString());
        Assert.StartsWith("error: --udp: cannot receive on 192.0.2.1:0", lines[0], StringComparison.Ordinal);
    }

    /// <summary>Paths that cannot be written (under /proc nothing can be created) are an error naming the option, not a stack trace.</summary>
    [Theory]
    [InlineData("--plot: cannot write '/proc/shoal-nope/plot.svg'", "autoscale-sim", "--profile", "step", "--plot", "/proc/shoal-nope/plot.svg")]
    [InlineData("cannot use '/proc/shoal-nope' for the servers' data", "dev-cluster", "--dir", "/proc/shoal-nope")]
    public async Task A_path_that_cannot_be_written_is_an_error_not_a_crash(string message, params string[] args)
    {
        var result = await RunWithinAsync(args, TimeSpan.FromSeconds(20));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("error: " + message, result.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_supervisor_log_directory_that_cannot_be_created_is_an_error_naming_logs()
    {
        var error = Assert.Throws<ShoalException>(() => Shoal.Cli.Supervise.WorkerProcessLauncher.Create("nats://127.0.0.1:4222", ["--handler", "noop"], "/proc/shoal-nope"));

        Assert.StartsWith("--logs: cannot use '/proc/shoal-nope'", error.Message, StringComparison.Ordinal);
    }

    private static async Task<VerbResult> RunWithinAsync(string[] args, TimeSpan limit)
    {
        using var cancel = new CancellationTokenSource(limit);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ShoalCli.InvokeAsync(args, new Shoal.Scenarios.Demo.DemoRunner(), TextWriter.Synchronized(output), TextWriter.Synchronized(error), cancel.Token);
        return new VerbResult(exitCode, output.ToString(), error.ToString());
    }
}
