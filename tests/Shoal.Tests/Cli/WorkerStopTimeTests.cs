using System.Diagnostics;
using System.Globalization;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Shoal.Tests.Engines;
using Shoal.TestSupport;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>
/// A real <c>shoal worker</c> process with a backlog and slow handlers (<c>--handler sleep:500</c>) stops on SIGTERM
/// after about one handler time plus a commit, not after the drain timeout (20 s): it waits only for the handler calls
/// running, and what it fetched but did not start is left to the next owner. Everything it finished is committed
/// (watermark plus the finished offsets above it), so the next owner handles none of it again. On a <c>file://</c>
/// directory, which one process owns at a time: the test reads it after the worker exited.
/// </summary>
public sealed class WorkerStopTimeTests(ITestOutputHelper log) : IDisposable
{
    private const int Events = 20_000;
    private const int Partitions = 4;
    private readonly TempDirectory _directory = new();

    private string Uri => "file://" + _directory.Path;

    [Trait("Category", "Integration")]
    [Fact]
    public async Task SIGTERM_with_a_backlog_of_slow_handlers_exits_after_the_running_calls_and_commits_all_it_finished()
    {
        var produced = await VerbRunner.RunProcessAsync("produce", "--engine", Uri, "--topic", "t", "--events", Events.ToString(CultureInfo.InvariantCulture), "--keys", "400",
            "--partitions", Partitions.ToString(CultureInfo.InvariantCulture), "--json");
        Assert.True(produced.ExitCode == 0, produced.ToString());

        long handled;
        await using (var worker = VerbRunner.StartProcess(
            "worker", "worker", "--engine", Uri, "--topic", "t", "--group", "g", "--handler", "sleep:500", "--member-id", "w1", "--log-level", "information", "--json"))
        {
            var deadline = Stopwatch.StartNew();
            while (worker.ErrorLines.Count(l => l.Contains("started partition", StringComparison.Ordinal)) < Partitions)
            {
                Assert.True(!worker.HasExited && deadline.Elapsed < TimeSpan.FromSeconds(60), $"the worker did not start its partitions:\n{worker}");
                await Task.Delay(20);
            }

            // Mid-flight: 64 keys per partition are in their 500 ms handler, thousands of fetched events wait.
            await Task.Delay(TimeSpan.FromSeconds(1));
            var stopping = Stopwatch.StartNew();
            worker.Terminate();
            Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"the worker did not exit on SIGTERM:\n{worker}");
            var exit = stopping.Elapsed;
            log.WriteLine($"SIGTERM to exit: {exit.TotalMilliseconds:F0} ms");
            Assert.True(worker.ExitCode == 0, worker.ToString());
            Assert.True(exit < TimeSpan.FromSeconds(5), $"the worker took {exit.TotalSeconds:F1} s to stop (drain timeout 20 s):\n{worker}");
            handled = new VerbResult(worker.ExitCode, worker.Out, worker.Err).Long("handled");
        }

        Assert.True(handled is > 0 and < Events, $"the worker handled {handled} of {Events}: nothing was left to stop");

        // Every finished event is in the commit (the watermark and the done offsets above it), nothing more: the next
        // owner skips exactly what this worker handled.
        await using var engine = await FileEngine.OpenAsync(new FileEngineOptions { Directory = _directory.Path });
        long committed = 0;
        for (var p = 0; p < Partitions; p++)
        {
            var entry = await engine.Coordination.GetAsync(CoordinationKeys.Offset("t", "g", p));
            Assert.True(entry is not null, $"partition {p} has no committed offset");
            Assert.True(CommittedOffset.TryDecode(entry.Value.Value.Span, out var offset), $"partition {p}: the committed offset does not decode");
            committed += offset.Offset + offset.DoneCount;
        }

        Assert.Equal(handled, committed);
    }

    public void Dispose() => _directory.Dispose();
}
