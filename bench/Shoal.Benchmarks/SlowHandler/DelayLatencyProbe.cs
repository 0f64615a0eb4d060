using System.Diagnostics;
using Shoal.Scenarios.Bench;

namespace Shoal.Benchmarks.SlowHandler;

/// <summary>
/// Measures what an awaiting caller actually waits for <see cref="PreciseDelay"/> (1 ms) and, for comparison,
/// <c>Task.Delay(1)</c>: one at a time, and 256 at a time (the benchmark's concurrency).
/// </summary>
internal static class DelayLatencyProbe
{
    private const int Samples = 1_000;

    public static async Task RunAsync()
    {
        using var delay = new PreciseDelay();
        var oneMs = TimeSpan.FromMilliseconds(1);
        Task WaitAsync() => delay.WaitAsync(oneMs);
        await MeasureAsync(WaitAsync, 20); // warm up
        Print("PreciseDelay(1 ms), one at a time", await MeasureAsync(WaitAsync, Samples));
        Print("PreciseDelay(1 ms), 256 concurrent", await MeasureConcurrentAsync(WaitAsync, 256, 20));
        var timer = delay.TakeStats();
        Console.WriteLine($"PreciseDelay timer-thread lateness: mean {timer.MeanLateness.TotalMicroseconds:F1} µs, max {timer.MaxLateness.TotalMicroseconds:F1} µs over {timer.Completed} delays");
        Print("Task.Delay(1), one at a time", await MeasureAsync(() => Task.Delay(1), 200));
    }

    private static async Task<List<double>> MeasureAsync(Func<Task> wait, int samples)
    {
        var result = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await wait();
            result.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        return result;
    }

    private static async Task<List<double>> MeasureConcurrentAsync(Func<Task> wait, int concurrency, int rounds)
    {
        var result = new List<double>(concurrency * rounds);
        for (var r = 0; r < rounds; r++)
        {
            var tasks = new Task<List<double>>[concurrency];
            for (var c = 0; c < concurrency; c++)
            {
                tasks[c] = MeasureAsync(wait, 1);
            }

            foreach (var samples in await Task.WhenAll(tasks))
            {
                result.AddRange(samples);
            }
        }

        return result;
    }

    private static void Print(string label, List<double> microseconds)
    {
        microseconds.Sort();
        double At(double q) => microseconds[Math.Min(microseconds.Count - 1, (int)(q * microseconds.Count))];
        Console.WriteLine($"{label}: n={microseconds.Count} mean {microseconds.Average():F0} µs, p50 {At(0.5):F0} µs, p99 {At(0.99):F0} µs, max {microseconds[^1]:F0} µs");
    }
}
