using System.Diagnostics;
using Shoal.Engine;
using Shoal.Scenarios.Nats;
using Shoal.Scenarios.Workload;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// <c>shoal produce --timeout D</c> is a deadline, not a fixed window: its only <c>nats-server</c> is frozen (SIGSTOP)
/// after the first batch is acknowledged, so every publish goes unanswered; the run stops soon after D (not after the
/// 10 s request timeout and 30 s of retries it took before) and says what it last saw, naming <c>--timeout</c>.
/// </summary>
[Collection(NatsFaultCollection.Name)]
public sealed class ProduceDeadlineTests(ITestOutputHelper log)
{
    [Trait("Category", "Integration")]
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Produce_stops_at_its_timeout_with_the_last_error_when_the_server_stops_answering()
    {
        await using var cluster = await LocalNatsCluster.StartAsync();
        var server = cluster.ProcessIds[0];
        var timeout = TimeSpan.FromSeconds(3);
        var settings = new ProduceSettings(cluster.EngineUri, "orders", 1_000_000, 10, 1, null, 2000) { Timeout = timeout };
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var frozen = false;
        try
        {
            var run = Producer.RunAsync(settings, EngineServices.Default, TextWriter.Null, new SyncProgress(_ => first.TrySetResult()), CancellationToken.None);
            await first.Task.WaitAsync(TimeSpan.FromSeconds(60));
            Signal("-STOP", server);
            frozen = true;
            var clock = Stopwatch.StartNew();
            var report = await run.WaitAsync(TimeSpan.FromSeconds(90));
            var took = clock.Elapsed;
            log.WriteLine($"produce stopped {took.TotalSeconds:0.0} s after the freeze: {report.Failure}");

            Assert.NotNull(report.Failure);
            Assert.StartsWith("publishing a batch did not succeed within --timeout 3s; the last error was: ", report.Failure, StringComparison.Ordinal);
            Assert.DoesNotContain("not exist", report.Failure, StringComparison.Ordinal);
            Assert.True(report.Acknowledged > 0 && report.Acknowledged < settings.Events, $"acknowledged {report.Acknowledged}");
            // The publish's deadline, then the run record's (also bounded by --timeout), on a loaded machine.
            Assert.True(took < (timeout * 2) + TimeSpan.FromSeconds(6), $"produce took {took} after the freeze");
        }
        finally
        {
            if (frozen)
            {
                Signal("-CONT", server);
            }
        }
    }

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
