using Shoal.Cli.Infrastructure;
using Shoal.Hosting.Processes;
using Shoal.Tests.Cli;
using Shoal.Tests.Engines;
using Shoal.TestSupport;
using Xunit;

namespace Shoal.Tests.Hosting;

/// <summary>
/// The runner every child process goes through (benches, <c>supervise</c>'s workers, these tests): what it keeps of
/// the output, what it logs, and that disposing leaves no process behind. The SIGKILL and SIGTERM paths are exercised by
/// the crash, fault, serve and dashboard tests.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ChildProcessTests
{
    [Trait("Category", "Integration")]
    [Fact]
    public async Task It_keeps_the_last_lines_asked_for_and_logs_every_line_of_both_streams()
    {
        using var directory = new TempDirectory();
        var log = Path.Combine(directory.Path, "verify.log");
        await using var verify = VerbRunner.BuiltShoal.Start("verify", ["verify", "--topic", "t", "--group", "g", "--wait", "soon"], log, keptLines: 1);

        Assert.Equal(ExitCodes.BadArguments, await verify.WaitForExitAsync());
        Assert.True(verify.HasExited);
        var kept = Assert.Single(verify.ErrorLines);
        Assert.Contains("shoal verify --help", kept, StringComparison.Ordinal);
        Assert.Equal(kept + "\n", verify.Err);

        // The log has both stderr lines (the first one fell out of memory), closed once the process is gone.
        var logged = await File.ReadAllLinesAsync(log);
        Assert.Equal(2, logged.Length);
        Assert.StartsWith("error: --wait: 'soon' is not a duration", logged[0], StringComparison.Ordinal);
        Assert.Equal(kept, logged[1]);
    }

    [Trait("Category", "Integration")]
    [Fact]
    public async Task Disposing_a_process_that_still_runs_kills_it_and_waits_until_it_is_gone()
    {
        var serve = VerbRunner.StartProcess("serve", "serve", "--urls", "http://127.0.0.1:0", "--json");
        await serve.WaitForLineAsync(l => l.Contains("\"urls\"", StringComparison.Ordinal), "--json start line", TimeSpan.FromSeconds(30));
        Assert.False(serve.HasExited, serve.ToString());

        await serve.DisposeAsync();

        Assert.True(serve.HasExited);
        Assert.Equal(128 + 9, serve.ExitCode); // SIGKILL
        Assert.False(VerbRunner.IsRunning(serve.Id), $"pid {serve.Id} still runs after dispose");
        Assert.Contains("(pid " + serve.Id + ", exited 137)", serve.ToString(), StringComparison.Ordinal);
    }
}
