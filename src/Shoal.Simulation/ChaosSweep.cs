namespace Shoal.Simulation;

/// <summary>The outcome of many seeds.</summary>
internal sealed record ChaosSummary(
    int Runs,
    int Violations,
    IReadOnlyList<int> FailingSeeds,
    int MaxDuplicates,
    long EventsChecked,
    int Lost,
    int OrderViolations,
    int ZombieCommitsAccepted,
    int DoubleOwnership,
    int DuplicatesOverWindow,
    int LivenessFailures,
    int HarnessErrors,
    int DeterminismLeaks,
    TimeSpan Elapsed);

/// <summary>Runs seeds on dedicated threads, one simulation per thread at a time (each run is single-threaded and deterministic).</summary>
internal static class ChaosSweep
{
    public static ChaosSummary Run(IReadOnlyList<int> seeds, ChaosSettings settings, int parallelism, Action<ChaosResult>? onResult = null, CancellationToken cancellationToken = default)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var results = new ChaosResult?[seeds.Count];
        var next = -1;
        var threads = Enumerable.Range(0, Math.Clamp(parallelism, 1, Math.Max(1, seeds.Count))).Select(_ => new Thread(() =>
        {
            int i;
            while (!cancellationToken.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < seeds.Count)
            {
                var result = ChaosRun.Execute(seeds[i], settings);
                results[i] = result;
                onResult?.Invoke(result);
            }
        }, maxStackSize: 16 << 20)
        { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var done = results.OfType<ChaosResult>().ToList();
        return new ChaosSummary(
            Runs: done.Count,
            Violations: done.Sum(r => r.Check.Violations + (r.HarnessError is null ? 0 : 1) + (r.ForeignPosts > 0 ? 1 : 0)),
            FailingSeeds: [.. done.Where(r => r.Failed).Select(r => r.Seed)],
            MaxDuplicates: done.Count == 0 ? 0 : done.Max(r => r.Check.Duplicates),
            EventsChecked: done.Sum(r => (long)r.Check.EventsChecked),
            Lost: done.Sum(r => r.Check.Lost),
            OrderViolations: done.Sum(r => r.Check.OrderViolations),
            ZombieCommitsAccepted: done.Sum(r => r.Check.ZombieCommitsAccepted),
            DoubleOwnership: done.Sum(r => r.Check.DoubleOwnership),
            DuplicatesOverWindow: done.Count(r => r.Check.DuplicatesOverWindow),
            LivenessFailures: done.Count(r => r.Check.LivenessFailed),
            HarnessErrors: done.Count(r => r.HarnessError is not null && r.ForeignPosts == 0),
            DeterminismLeaks: done.Count(r => r.ForeignPosts > 0),
            Elapsed: System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }
}
