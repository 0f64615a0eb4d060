using System.Diagnostics;
using Shoal.Engines.InProcess;

namespace Shoal.Benchmarks.FileEngine;

/// <summary>
/// Not a benchmark: opens an existing data directory and reports how long recovery took (reading every partition's
/// journal back into memory), how many events it holds and the memory it took. <c>file-recovery DIR</c>.
/// </summary>
internal static class RecoveryProbe
{
    public static async Task RunAsync(string directory)
    {
        var started = Stopwatch.StartNew();
        await using var engine = await Shoal.Engines.InProcess.FileEngine.OpenAsync(new FileEngineOptions { Directory = directory });
        var elapsed = started.Elapsed;
        long events = 0;
        foreach (var topic in await engine.Log.ListTopicsAsync())
        {
            for (var p = 0; p < topic.Partitions; p++)
            {
                var offsets = await engine.Log.GetOffsetsAsync(topic.Name, p);
                events += offsets.End - offsets.Start;
            }
        }

        Console.WriteLine($"recovered {events} events in {elapsed.TotalMilliseconds:F0} ms ({events / elapsed.TotalSeconds:F0} events/s); " +
            $"managed heap {GC.GetTotalMemory(forceFullCollection: true) / (1024 * 1024)} MiB, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB");
    }
}
