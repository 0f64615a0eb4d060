namespace Shoal.Simulation;

/// <summary>Runs seeds on dedicated threads, one simulation per thread at a time (each run is single-threaded and deterministic).</summary>
public static class ChaosSweep
{
    /// <summary>
    /// Runs <paramref name="seeds"/> on <paramref name="parallelism"/> threads; <paramref name="onResult"/> sees each result
    /// as it ends (on the thread that ran it). Cancelling stops starting seeds; the summary covers the runs that ended.
    /// </summary>
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

        return ChaosSummary.Of(results.OfType<ChaosResult>().ToList(), System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }
}
