using System.Diagnostics;

namespace Shoal.Benchmarks.FileEngine;

/// <summary>
/// The append comparison of <see cref="FileAppendBenchmarks"/> with the two sides interleaved: raw FasterLog, engine,
/// raw, engine, … in one process, each sample one invocation (20 rounds of 12 partitions × 85 events, flushed before
/// acknowledging). BenchmarkDotNet measures one method after the other, so a disk whose sync-write latency drifts during
/// the run (shared machines) moves one side and not the other; interleaving exposes both sides to the same drift.
/// Prints each side's median time per event and the throughput ratio (engine ÷ raw).
/// </summary>
internal static class FileAppendComparison
{
    private const int EventsPerInvocation = 12 * 85 * 20;

    public static async Task RunAsync(int samples)
    {
        var bench = new FileAppendBenchmarks { Partitions = 12, BatchSize = 85 };
        await bench.SetupAsync();
        try
        {
            // Warm-up: JIT, files created, the pool's threads started.
            for (var i = 0; i < 5; i++)
            {
                await bench.RawFasterLog();
                await bench.FileEngineAppend();
            }

            var raw = new List<double>(samples);
            var engine = new List<double>(samples);
            for (var i = 0; i < samples; i++)
            {
                raw.Add(await TimeAsync(bench.RawFasterLog));
                engine.Add(await TimeAsync(bench.FileEngineAppend));
            }

            var rawMedian = Median(raw);
            var engineMedian = Median(engine);
            Console.WriteLine($"samples {samples} (interleaved), {EventsPerInvocation} events each");
            Console.WriteLine($"raw FasterLog (same commit manager)  median {rawMedian:F3} µs/event  ({1 / rawMedian:F3} M events/s)");
            Console.WriteLine($"file:// engine, flush before ack     median {engineMedian:F3} µs/event  ({1 / engineMedian:F3} M events/s)");
            Console.WriteLine($"throughput ratio engine/raw {rawMedian / engineMedian:F2} (target >= 0.70)");
        }
        finally
        {
            await bench.CleanupAsync();
        }
    }

    private static async Task<double> TimeAsync(Func<Task> invocation)
    {
        var started = Stopwatch.GetTimestamp();
        await invocation();
        return Stopwatch.GetElapsedTime(started).TotalMicroseconds / EventsPerInvocation;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
    }
}
