using System.Diagnostics;
using System.Globalization;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Hosting.Processes;

namespace Shoal.Scenarios.Bench;

/// <summary>
/// Throughput of 1, 2, 4… real <c>shoal worker</c> processes on one group, each bounded by its handler concurrency
/// (<c>--handler sleep:MS --handler-concurrency C</c>): for each worker count, a fresh topic gets a backlog from a real
/// <c>shoal produce</c>, the workers start, and once every partition is leased and the leases are balanced over all
/// workers, a warm-up passes and the group's committed offsets are sampled over a window; the rate is the slope of
/// a least-squares line through the samples. The ratio is that rate over N × the one-worker rate measured in the same
/// run, so the handler's real sleep (timer resolution makes a 2 ms sleep last longer) cancels out.
/// </summary>
public static class ScalingBench
{
    internal const string Group = "bench";
    private static readonly TimeSpan Sample = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Backlog beyond warm-up and window: workers start, join and rebalance before the window opens.</summary>
    private static readonly TimeSpan StartAllowance = TimeSpan.FromSeconds(20);

    /// <summary>Measures every worker count of <paramref name="settings"/>, fewest first, and reports the rates.</summary>
    /// <param name="settings">What to measure.</param>
    /// <param name="launcher">The <c>shoal</c> whose <c>produce</c> and <c>worker</c> verbs run as child processes.</param>
    /// <param name="services">What the bench's own engine connection gets (its logger).</param>
    /// <param name="output">Where progress and each line's result go.</param>
    /// <param name="json">True when the caller prints only the report (<c>--json</c>): fewer progress lines.</param>
    /// <param name="cancellationToken">Stops the bench; its child processes are stopped gracefully.</param>
    public static async Task<ScalingBenchReport> RunAsync(
        ScalingBenchSettings settings, ShoalLauncher launcher, EngineServices services, TextWriter output, bool json, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), "shoal-scaling-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        await using var engine = await ShoalEngines.OpenAsync(settings.Engine, services, cancellationToken);
        var run = Guid.NewGuid().ToString("N")[..8];
        var counts = settings.Workers.Contains(1) ? settings.Workers : [1, .. settings.Workers];
        double? one = null;
        var lines = new List<ScalingBenchLine>();
        foreach (var workers in counts.OrderBy(n => n))
        {
            // Upper bound before one worker is measured: the sleep exactly as asked, no timer overshoot.
            var perWorker = one ?? settings.HandlerConcurrency / settings.HandlerSleep.TotalSeconds;
            var backlog = (long)Math.Ceiling(workers * perWorker * (StartAllowance + settings.Warmup + settings.Window).TotalSeconds * 1.2);
            var topic = $"scaling-{run}-{workers}";
            output.WriteLine($"{workers} worker(s): producing a backlog of {backlog:N0} events on {topic} ({settings.Partitions} partitions)…");
            await ProduceAsync(settings, launcher, topic, backlog, directory, cancellationToken);

            var rate = await MeasureAsync(engine, settings, launcher, topic, workers, backlog, directory, output, json, cancellationToken);
            one ??= rate;
            var ratio = rate / (workers * one.Value);
            var line = new ScalingBenchLine(workers, backlog, rate, rate / workers, ratio, workers == 1 || ratio >= 0.8);
            lines.Add(line);
            output.WriteLine(Format(line));
        }

        Directory.Delete(directory, recursive: true);
        return new ScalingBenchReport(ShoalEngines.Redact(settings.Engine), settings.Partitions, HandlerText(settings), settings.HandlerConcurrency,
            settings.Warmup.TotalSeconds, settings.Window.TotalSeconds, one ?? 0, lines);
    }

    internal static string Format(ScalingBenchLine line) => FormattableString.Invariant(
        $"{line.Workers} worker(s): {line.EventsPerSecond,9:N0} events/s  ({line.PerWorker:N0} per worker)  vs {line.Workers} x one worker: {line.Ratio:0.00}x {(line.Workers == 1 ? "(baseline)" : line.TargetMet ? "(target 0.8x met)" : "(target 0.8x MISSED)")}");

    private static string HandlerText(ScalingBenchSettings settings) =>
        string.Create(CultureInfo.InvariantCulture, $"sleep:{settings.HandlerSleep.TotalMilliseconds}");

    private static async Task ProduceAsync(ScalingBenchSettings settings, ShoalLauncher launcher, string topic, long events, string directory, CancellationToken cancellationToken)
    {
        await using var producer = Start(launcher, settings, "producer",
            ["produce", "--topic", topic, "--events", Invariant(events), "--keys", Invariant(settings.Keys),
                "--partitions", Invariant(settings.Partitions), "--json"],
            Path.Combine(directory, $"produce-{topic}.log"));
        try
        {
            var exitCode = await producer.WaitForExitAsync(cancellationToken);
            if (exitCode != 0)
            {
                throw new ShoalException($"shoal produce failed (exit {exitCode}): {producer.Lines.LastOrDefault(l => l.Length > 0)} {producer.Err}");
            }
        }
        finally
        {
            // Cancelled: the producer gets the graceful stop too (disposing would SIGKILL it).
            await producer.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static async Task<double> MeasureAsync(
        IShoalEngine engine, ScalingBenchSettings settings, ShoalLauncher launcher, string topic, int count, long backlog, string directory, TextWriter output, bool json, CancellationToken cancellationToken)
    {
        var workers = new List<ChildProcess>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                workers.Add(Start(launcher, settings, $"w{i}",
                    ["worker", "--topic", topic, "--group", Group, "--handler", HandlerText(settings),
                        "--handler-concurrency", Invariant(settings.HandlerConcurrency), "--member-id", $"w{i}", "--json"],
                    Path.Combine(directory, $"worker-{topic}-{i}.log")));
            }

            await WaitBalancedAsync(engine, settings, topic, count, workers, cancellationToken);
            await Task.Delay(settings.Warmup, cancellationToken);

            var samples = new List<(double Seconds, long Committed)>();
            var clock = Stopwatch.StartNew();
            while (true)
            {
                samples.Add((clock.Elapsed.TotalSeconds, await CommittedAsync(engine, topic, cancellationToken)));
                if (clock.Elapsed >= settings.Window)
                {
                    break;
                }

                await Task.Delay(Sample, cancellationToken);
            }

            if (samples[^1].Committed >= backlog)
            {
                throw new ShoalException($"the backlog of {backlog:N0} events ran out before the window closed; lengthen it (the bench sizes it from the one-worker rate) or shorten --window.");
            }

            CheckRunning(workers);
            return Slope(samples);
        }
        finally
        {
            await Task.WhenAll(workers.Select(w => w.StopAsync(TimeSpan.FromSeconds(15))));
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }

            if (!json)
            {
                output.WriteLine($"{count} worker(s) stopped.");
            }
        }
    }

    /// <summary>Waits until every partition is leased, by exactly <paramref name="count"/> workers, evenly (±1).</summary>
    private static async Task WaitBalancedAsync(IShoalEngine engine, ScalingBenchSettings settings, string topic, int count, List<ChildProcess> workers, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            CheckRunning(workers);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var held = (await ClusterRecords.ListLeasesAsync(engine.Coordination, topic, Group, cancellationToken))
                .Where(l => l.Owner.Length > 0 && l.ExpiresAtMs > now)
                .ToList();
            var perOwner = held.GroupBy(l => l.Owner).Select(g => g.Count()).ToList();
            if (held.Count == settings.Partitions && perOwner.Count == count && perOwner.Max() - perOwner.Min() <= 1)
            {
                return;
            }

            if (clock.Elapsed > SettleTimeout)
            {
                throw new ShoalException($"{count} worker(s) did not share the {settings.Partitions} partitions within {SettleTimeout.TotalSeconds:0} s (held {held.Count}, by {perOwner.Count}); see the logs in {Path.GetDirectoryName(workers[0].LogFile)}.");
            }

            await Task.Delay(Sample, cancellationToken);
        }
    }

    private static void CheckRunning(List<ChildProcess> workers)
    {
        if (workers.FirstOrDefault(w => w.HasExited) is { } gone)
        {
            throw new ShoalException($"worker {gone.Name} exited early (exit {gone.ExitCode}); its output: {gone.LogFile}.");
        }
    }

    private static async Task<long> CommittedAsync(IShoalEngine engine, string topic, CancellationToken cancellationToken) =>
        (await CommittedOffset.ReadGroupAsync(engine.Coordination, topic, Group, cancellationToken)).Values.Sum(c => c.Offset);

    /// <summary>Events per second: the least-squares slope of committed events over time.</summary>
    internal static double Slope(IReadOnlyList<(double Seconds, long Committed)> samples)
    {
        var n = samples.Count;
        var meanT = samples.Average(s => s.Seconds);
        var meanC = samples.Average(s => (double)s.Committed);
        double covariance = 0, variance = 0;
        for (var i = 0; i < n; i++)
        {
            var dt = samples[i].Seconds - meanT;
            covariance += dt * (samples[i].Committed - meanC);
            variance += dt * dt;
        }

        return variance == 0 ? 0 : covariance / variance;
    }

    /// <summary>
    /// Starts a <c>shoal</c> verb with the engine URI in its environment (<c>SHOAL_ENGINE</c>, as <c>supervise</c> does), not
    /// its arguments: any local user can read a process's arguments, and the URI may hold a password or token.
    /// </summary>
    private static ChildProcess Start(ShoalLauncher launcher, ScalingBenchSettings settings, string name, string[] arguments, string logFile) =>
        launcher.Start(name, arguments, logFile, environment: new Dictionary<string, string?> { ["SHOAL_ENGINE"] = settings.Engine, ["SHOAL_ENGINE_FILE"] = null });

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
