using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Shoal.Scenarios.Bench;

namespace Shoal.Benchmarks.Peers;

/// <summary>
/// <c>peers [--events N] [--slow-events M] [--concurrency C] [--batch B] [--json]</c>: the same workload through
/// MassTransit 8 (in-memory transport, <c>UsePartitioner</c> by key) and through Shoal (in-process engine,
/// key-ordered) in one process, case by case, MassTransit first then Shoal, each on a freshly started bus/runtime.
/// Each case is published two ways, the same for both systems: one event at a time, each publish awaited before
/// the next ("awaited"), and in batches of B through the system's own batch call ("batch": Shoal's
/// <c>PublishBatchAsync</c>, MassTransit's <c>PublishBatch</c>, which starts the B publishes in order and awaits
/// them together). Per case: events/s from
/// the first publish to the last handler finishing, the ratio Shoal/MassTransit, and per-key order violations
/// (issue 15). Cases: (a) no-op handler, 1,000 keys; (b) 1 ms handler (<see cref="PreciseDelay"/>), 1,000 keys;
/// (c) 1 ms handler, 4 keys.
/// </summary>
internal static class PeerComparison
{
    private const string Usage = "usage: peers [--events N] [--slow-events M] [--concurrency C] [--batch B] [--json]";

    public static async Task<int> RunAsync(string[] args)
    {
        var events = 100_000;
        var slowEvents = 10_000;
        var concurrency = 16;
        var batch = 1_000;
        var json = false;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json":
                    json = true;
                    break;
                case "--events" or "--slow-events" or "--concurrency" or "--batch":
                    var option = args[i];
                    if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
                    {
                        var given = i + 1 < args.Length ? $"'{args[i + 1]}'" : "nothing";
                        Console.Error.WriteLine($"{option}: expected a whole number of at least 1, got {given}. {Usage}");
                        return 2;
                    }

                    i++;
                    _ = option switch
                    {
                        "--events" => events = value,
                        "--slow-events" => slowEvents = value,
                        "--batch" => batch = value,
                        _ => concurrency = value,
                    };
                    break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'. {Usage}");
                    return 2;
            }
        }

        PeerCase[] cases =
        [
            new("no-op, 1000 keys", events, 1_000, Slow: false),
            new("1 ms, 1000 keys", slowEvents, 1_000, Slow: true),
            new("1 ms, 4 keys", slowEvents, 4, Slow: true),
        ];
        using var delay = new PreciseDelay();

        // Warm up both (JIT, thread pool) on a small no-op run that is not reported.
        var warmUp = new PeerCase("warm-up", Math.Min(events, 5_000), 100, Slow: false);
        foreach (var b in new[] { 1, batch })
        {
            await MeasureAsync(warmUp, delay, concurrency, b, mt: true);
            await MeasureAsync(warmUp, delay, concurrency, b, mt: false);
        }

        var rows = new List<PeerRow>();
        foreach (var @case in cases)
        {
            foreach (var b in new[] { 1, batch })
            {
                var mt = await MeasureAsync(@case, delay, concurrency, b, mt: true);
                var shoal = await MeasureAsync(@case, delay, concurrency, b, mt: false);
                var publish = b == 1 ? "awaited" : "batch " + b.ToString(CultureInfo.InvariantCulture);
                rows.Add(new PeerRow(@case.Name, publish, @case.Events, @case.Keys, concurrency, mt.EventsPerSecond, mt.Violations, shoal.EventsPerSecond, shoal.Violations, shoal.EventsPerSecond / mt.EventsPerSecond));
            }
        }

        var lateness = delay.TakeStats();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(rows, PeerRowJsonContext.Default.ListPeerRow));
            return 0;
        }

        Console.WriteLine($"MassTransit 8.5.12 (in-memory, UsePartitioner({concurrency}), ConcurrentMessageLimit {concurrency}) against Shoal (inproc://, 1 partition, MaxConcurrency {concurrency})");
        Console.WriteLine("| case | publish | events | MassTransit events/s | MT order violations | Shoal events/s | Shoal order violations | Shoal / MT |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Case} | {r.Publish} | {r.Events:N0} | {r.MassTransitEventsPerSecond:N0} | {r.MassTransitViolations} | {r.ShoalEventsPerSecond:N0} | {r.ShoalViolations} | {r.Ratio:F1}× |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PreciseDelay: {lateness.Completed} delays, timer-thread lateness mean {lateness.MeanLateness.TotalMicroseconds:F1} µs, max {lateness.MaxLateness.TotalMicroseconds:F1} µs"));
        return 0;
    }

    private static async Task<(double EventsPerSecond, long Violations)> MeasureAsync(PeerCase @case, PreciseDelay delay, int concurrency, int batch, bool mt)
    {
        var run = new PeerRun(@case, delay);
        var events = new PeerEvent[@case.Events];
        for (var n = 0; n < events.Length; n++)
        {
            events[n] = run.Create(n);
        }

        await using IPeerSystem system = mt ? await MassTransitPeer.StartAsync(run, concurrency) : await ShoalPeer.StartAsync(run, concurrency);
        var start = Stopwatch.GetTimestamp();
        if (batch == 1)
        {
            foreach (var e in events)
            {
                await system.PublishAsync(e);
            }
        }
        else
        {
            for (var n = 0; n < events.Length; n += batch)
            {
                await system.PublishBatchAsync(new ArraySegment<PeerEvent>(events, n, Math.Min(batch, events.Length - n)));
            }
        }

        await run.Done.WaitAsync(TimeSpan.FromMinutes(5));
        var seconds = Stopwatch.GetElapsedTime(start, run.FinishedAt).TotalSeconds;
        return (@case.Events / seconds, run.Violations);
    }
}

internal sealed record PeerRow(string Case, string Publish, int Events, int Keys, int Concurrency, double MassTransitEventsPerSecond, long MassTransitViolations, double ShoalEventsPerSecond, long ShoalViolations, double Ratio);

[System.Text.Json.Serialization.JsonSerializable(typeof(List<PeerRow>))]
internal sealed partial class PeerRowJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
