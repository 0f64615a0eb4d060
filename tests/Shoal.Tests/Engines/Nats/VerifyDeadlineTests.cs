using System.Diagnostics;
using Shoal.Scenarios.Nats;
using Shoal.Tests.Cli;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// <c>shoal verify --wait D</c> is a hard deadline. A real <c>shoal verify</c> process polls a group that never catches
/// up; its only <c>nats-server</c> is frozen (SIGSTOP) mid-run, so the engine call under way never answers (it would
/// time out after the 10 s request timeout, and be retried). Verify must exit 1 soon after D with one <c>error:</c>
/// line saying what it was waiting for.
/// </summary>
[Collection(NatsFaultCollection.Name)]
public sealed class VerifyDeadlineTests(ITestOutputHelper log)
{
    [Trait("Category", "Integration")]
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Verify_exits_at_its_wait_when_the_server_stops_answering()
    {
        await using var cluster = await LocalNatsCluster.StartAsync();
        var engine = cluster.EngineUri;
        var produced = await VerbRunner.RunProcessAsync(["produce", "--engine", engine, "--topic", "orders", "--events", "100", "--keys", "10", "--partitions", "2", "--json"], 60);
        Assert.True(produced.ExitCode == 0, produced.ToString());

        var wait = TimeSpan.FromSeconds(8);
        var clock = Stopwatch.StartNew();
        await using var verify = VerbRunner.StartProcess("verify", "verify", "--engine", engine, "--topic", "orders", "--group", "nobody", "--wait", "8s", "--json");
        var server = cluster.ProcessIds[0];
        try
        {
            // No worker: verify polls until its wait is over. Freeze the server while it does (4.5 s: verify has
            // connected by then even on a loaded machine; were it not, it would fail to connect and the checks below say so).
            await Task.Delay(TimeSpan.FromSeconds(4.5));
            Assert.False(verify.HasExited, verify.ToString());
            Signal("-STOP", server);
            var exited = await verify.WaitForExitAsync(TimeSpan.FromSeconds(40));
            var took = clock.Elapsed;
            log.WriteLine($"verify exited after {took.TotalSeconds:0.0} s: {verify}");

            Assert.True(exited, verify.ToString());
            Assert.Equal(1, verify.ExitCode);
            var error = Assert.Single(verify.ErrorLines, l => l.StartsWith("error:", StringComparison.Ordinal));
            Assert.Contains("--wait 8s passed", error, StringComparison.Ordinal);
            Assert.Contains("while waiting for", error, StringComparison.Ordinal);
            // The wait, the 2 s grace, and the process's own start on a loaded 2-core machine (≈ 10-11 s in all);
            // without the deadline the call under way rides its 10 s request timeout and retries: about 30 s.
            Assert.True(took < TimeSpan.FromSeconds(20), $"verify took {took}");
        }
        finally
        {
            Signal("-CONT", server);
        }
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
