using System.Diagnostics.Tracing;
using System.Globalization;

namespace Shoal.Benchmarks.EndToEnd;

/// <summary>
/// Not a benchmark: runs <see cref="EndToEndBenchmarks.Shoal"/> with an in-process EventPipe listener on the runtime's
/// GC allocation ticks (one sample per ~100 KB allocated, with the type that crossed the threshold) and prints the
/// allocated bytes per event (<see cref="GC.GetTotalAllocatedBytes"/>) and the sampled types, largest first.
/// </summary>
internal static class AllocationProbe
{
    public static async Task RunAsync(int runs)
    {
        var bench = new EndToEndBenchmarks();
        bench.Setup();
        await bench.Shoal(); // warm-up: JIT, segment pools
        using var listener = new AllocationListener();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < runs; i++)
        {
            await bench.Shoal();
        }

        var bytes = GC.GetTotalAllocatedBytes(precise: true) - before;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocated: {(double)bytes / (runs * (long)EndToEndBenchmarks.Events):F1} B/event over {runs} runs of {EndToEndBenchmarks.Events} events"));
        var total = listener.Samples.Values.Sum();
        foreach (var (type, amount) in listener.Samples.OrderByDescending(s => s.Value).Take(20))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{100.0 * amount / total,6:F1} %  {type}"));
        }
    }

    private sealed class AllocationListener : EventListener
    {
        public Dictionary<string, long> Samples { get; } = [];

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick at Verbose
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null)
            {
                return;
            }

            var type = e.Payload![e.PayloadNames.IndexOf("TypeName")] as string ?? "?";
            var amount = Convert.ToInt64(e.Payload[e.PayloadNames.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
            lock (Samples)
            {
                Samples[type] = Samples.GetValueOrDefault(type) + amount;
            }
        }
    }
}
