using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Shoal.Hosting.Processes;
using Shoal.Scenarios.Nats;
using Shoal.Tests.Cli;
using Shoal.TestSupport;
using Xunit;

namespace Shoal.Tests.Supervise;

/// <summary>
/// <c>shoal supervise</c> against a nats-server that requires a token: the token reaches the workers through their
/// environment, never their arguments, which any local user can read in <c>/proc/PID/cmdline</c>; the workers still
/// connect, join and handle the events; and no line the supervisor or a worker prints holds it.
/// </summary>
public sealed class SuperviseSecretsTests
{
    [Trait("Category", "Integration")]
    [Fact]
    public async Task The_token_never_appears_in_a_workers_arguments_or_output_and_the_workers_still_connect()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // /proc/PID/cmdline
        }

        var token = "tok-" + Guid.NewGuid().ToString("N");
        await using var nats = await LocalNatsCluster.StartAsync(new() { ExtraArguments = ["--auth", token] });
        var engine = $"{nats.Urls[0]}?token={token}";
        var produced = await VerbRunner.RunAsync(["produce", "--engine", engine, "--topic", "orders", "--events", "40", "--keys", "20", "--partitions", "4", "--json"]);
        Assert.True(produced.ExitCode == 0, produced.ToString());

        var logs = Path.Combine(nats.Directory, "workers");
        var workerPids = new HashSet<int>();
        // As a user would, before this change: the token on the supervisor's own command line (it warns).
        await using var supervisor = VerbRunner.StartProcess(
            "supervise",
            "supervise", "--engine", engine, "--topic", "orders", "--group", "billing", "--min", "2", "--max", "2",
            "--interval", "1s", "--member-prefix", "sec", "--logs", logs, "--json",
            "--", "--handler", "verify", "--heartbeat", "500ms", "--session-ttl", "10s");
        try
        {
            // Both workers run, and together they have handled every event (lag 0): they connected with the token.
            await WaitForEventAsync(supervisor, e => Is(e, "decision") && e.GetProperty("liveMembers").GetInt32() == 2 && e.GetProperty("lag").GetInt64() == 0, "two workers with no lag", 60);
            foreach (var e in Events(supervisor).Where(e => e.TryGetProperty("pid", out _)))
            {
                workerPids.Add(e.GetProperty("pid").GetInt32());
            }

            // Every worker process still running (one restarted after a crash has a new pid; the old one is gone).
            var read = 0;
            foreach (var pid in workerPids)
            {
                byte[] cmdline;
                try
                {
                    cmdline = await File.ReadAllBytesAsync($"/proc/{pid}/cmdline");
                }
                catch (Exception e) when (e is IOException)
                {
                    continue;
                }

                var arguments = Encoding.UTF8.GetString(cmdline).Replace('\0', ' ');
                Assert.Contains(" worker ", arguments, StringComparison.Ordinal);
                Assert.DoesNotContain(token, arguments, StringComparison.Ordinal);
                Assert.DoesNotContain("--engine", arguments, StringComparison.Ordinal);
                read++;
            }

            Assert.True(read >= 2, $"read the arguments of {read} workers:\n{supervisor}\n{WorkerLogs(logs)}");

            var verify = await VerbRunner.RunAsync(["verify", "--engine", engine, "--topic", "orders", "--group", "billing", "--wait", "30s", "--json"]);
            Assert.True(verify.ExitCode == 0, verify.ToString());
            Assert.Equal(0, verify.Long("lost"));

            Assert.Equal(0, await supervisor.TerminateAsync(TimeSpan.FromSeconds(40)));
            Assert.Contains(supervisor.ErrorLines, l => l.StartsWith("warning: --engine holds a password or token", StringComparison.Ordinal));
            Assert.DoesNotContain(token, supervisor.Out + supervisor.Err, StringComparison.Ordinal);
            var workerOutput = string.Concat(Directory.EnumerateFiles(logs).Select(File.ReadAllText));
            Assert.Contains("engine nats://127.0.0.1", workerOutput, StringComparison.Ordinal);
            Assert.DoesNotContain(token, workerOutput, StringComparison.Ordinal);
        }
        finally
        {
            await supervisor.DisposeAsync();
            foreach (var pid in workerPids.Where(VerbRunner.IsRunning))
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                await process.WaitForExitAsync();
            }
        }
    }

    private static string WorkerLogs(string directory) => Directory.Exists(directory)
        ? string.Join('\n', Directory.EnumerateFiles(directory).Order().Select(f => Path.GetFileName(f) + ": " + string.Join(" | ", File.ReadLines(f).TakeLast(8))))
        : "(none)";

    private static bool Is(JsonElement e, string type) => e.GetProperty("type").GetString() == type;

    private static List<JsonElement> Events(ChildProcess process) =>
        [.. process.Lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    private static async Task WaitForEventAsync(ChildProcess process, Func<JsonElement, bool> condition, string what, double seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!Events(process).Any(condition))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {seconds}s for {what}:\n{process}");
            }

            await Task.Delay(100);
        }
    }
}
