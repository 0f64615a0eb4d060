using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using HdrHistogram;
using Shoal.Engine;
using Shoal.Serialization;

namespace Shoal.Scenarios.Bench;

/// <summary>
/// Publish→handler-start latency at fixed rates, open loop: for each rate a fresh topic gets events on a fixed
/// schedule (event n is due at start + n / rate), and the publisher never waits for Shoal to catch up before the next
/// slot; it sends every event whose slot has passed (timers are coarse, so several at once), each carrying its slot.
/// The handler records, when it starts, the time since the slot (<see cref="LatencyBenchLine.Latency"/>: what a
/// caller publishing at that rate waits, coordinated omission avoided, since a stalled publish delays the slots
/// behind it but not their start) and since the publish call (<see cref="LatencyBenchLine.FromPublish"/>: Shoal's part
/// alone), into HdrHistograms; and the publisher's own lag behind its schedule (<see cref="LatencyBenchLine.SendLag"/>),
/// which is what separates the two.
/// </summary>
public static class LatencyBench
{
    private const string Group = "latency";
    private const int Keys = 1024;
    private const int MaxBatch = 1024;
    private const int WarmupEvents = 200;

    /// <summary>Largest latency recorded exactly (µs); anything beyond is recorded as this.</summary>
    private const long HighestMicros = 60L * 60 * 1_000_000;

    private static readonly TimeSpan MinDrainWait = TimeSpan.FromSeconds(10);

    /// <summary>Measures each rate of <paramref name="settings"/> in turn on its own topic and runtime.</summary>
    /// <param name="settings">What to measure.</param>
    /// <param name="services">What the engine gets (its logger).</param>
    /// <param name="progress">Where each rate's start and result go, one line each.</param>
    /// <param name="cancellationToken">Stops the bench.</param>
    public static async Task<LatencyBenchReport> RunAsync(LatencyBenchSettings settings, EngineServices services, TextWriter progress, CancellationToken cancellationToken)
    {
        await using var engine = await ShoalEngines.OpenAsync(settings.Engine, services, cancellationToken);
        var run = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 4);
        var lines = new List<LatencyBenchLine>();
        foreach (var rate in settings.Rates)
        {
            progress.WriteLine(FormattableString.Invariant($"{rate:N0} events/s for {settings.Duration.TotalSeconds:0.###} s…"));
            var line = await MeasureAsync(engine, settings, $"latency-{run}-{lines.Count}", rate, cancellationToken);
            lines.Add(line);
            progress.WriteLine(Format(line));
        }

        return new LatencyBenchReport(ShoalEngines.Redact(settings.Engine), settings.Partitions, settings.Duration.TotalSeconds,
            settings.HandlerWork.TotalMilliseconds, lines);
    }

    /// <summary>One line of human output for a rate.</summary>
    public static string Format(LatencyBenchLine line)
    {
        var l = line.Latency;
        var p = line.FromPublish;
        var missing = line.Handled < line.Published ? FormattableString.Invariant($"  ({line.Published - line.Handled:N0} not handled in time)") : string.Empty;
        return FormattableString.Invariant(
            $"{line.Rate,9:N0}/s (sent {line.PublishedPerSecond:N0}/s): p50 {l.P50Ms:0.000}  p90 {l.P90Ms:0.000}  p99 {l.P99Ms:0.000}  p99.9 {l.P999Ms:0.000}  max {l.MaxMs:0.000} ms  | from publish call: p50 {p.P50Ms:0.000}  p99 {p.P99Ms:0.000}  max {p.MaxMs:0.000} ms  | send lag p99 {line.SendLag.P99Ms:0.000} ms  | GC pauses {line.GcPauseMs:0.#} ms{missing}");
    }

    private static async Task<LatencyBenchLine> MeasureAsync(IShoalEngine engine, LatencyBenchSettings settings, string topic, double rate, CancellationToken cancellationToken)
    {
        var fromSlot = new LongConcurrentHistogram(1, HighestMicros, 3);
        var fromPublish = new LongConcurrentHistogram(1, HighestMicros, 3);
        var sendLag = new LongConcurrentHistogram(1, HighestMicros, 3);
        var counter = new HandledCounter();
        var work = settings.HandlerWork;
        var handler = HandlerRegistration.For<LatencyEvent>((e, context, ct) =>
        {
            var now = Stopwatch.GetTimestamp();
            if (e.Seq >= 0)
            {
                fromSlot.RecordValue(Micros(now - e.Slot));
                fromPublish.RecordValue(Micros(now - e.Sent));
                sendLag.RecordValue(Micros(e.Sent - e.Slot));
            }

            counter.Handled(e.Seq < 0);
            return work > TimeSpan.Zero ? new ValueTask(Task.Delay(work, ct)) : ValueTask.CompletedTask;
        });

        var options = new ShoalOptions
        {
            Topics = [new TopicOptions { Name = topic, Partitions = settings.Partitions }],
            EventTypes = new EventTypeRegistry().Add<LatencyEvent>("latency-event"),
            Serializers = EventSerializers.CreateDefault(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = LatencyJsonContext.Default }),
            Groups =
            [
                new GroupRegistration
                {
                    Options = new GroupOptions { Name = Group, Topic = topic },
                    Handlers = [handler],
                },
            ],
        };
        await using var shoal = ShoalRuntime.Create(engine, options);
        await shoal.StartAsync(cancellationToken);
        var keys = Enumerable.Range(0, Keys).Select(k => "k" + k.ToString(CultureInfo.InvariantCulture)).ToArray();

        // Warm-up (not recorded): the handler path, the partitions' readers and the serializer have run once.
        var warm = Enumerable.Range(0, WarmupEvents).Select(i => new OutgoingEvent<LatencyEvent>(keys[i % Keys], new LatencyEvent { Seq = -1 })).ToList();
        await shoal.Publisher.PublishBatchAsync(topic, warm, cancellationToken);
        await counter.WarmedUp(WarmupEvents).WaitAsync(MinDrainWait, cancellationToken);

        var total = Math.Max(1, (long)Math.Round(rate * settings.Duration.TotalSeconds));
        var ticksPerEvent = Stopwatch.Frequency / rate;
        var batch = new List<OutgoingEvent<LatencyEvent>>(MaxBatch);
        var gcPauseBefore = GC.GetTotalPauseDuration();
        var start = Stopwatch.GetTimestamp();
        long next = 0;
        while (next < total)
        {
            var due = Math.Min(total, (long)((Stopwatch.GetTimestamp() - start) / ticksPerEvent) + 1);
            if (due <= next)
            {
                // Nothing due yet: the timer wakes up late (milliseconds), and every slot passed meanwhile goes out at once.
                await Task.Delay(TimeSpan.FromMilliseconds(1), cancellationToken);
                continue;
            }

            var end = Math.Min(due, next + MaxBatch);
            batch.Clear();
            for (var n = next; n < end; n++)
            {
                batch.Add(new OutgoingEvent<LatencyEvent>(keys[n % Keys], new LatencyEvent { Seq = n, Slot = start + (long)(n * ticksPerEvent) }));
            }

            var sent = Stopwatch.GetTimestamp();
            foreach (var e in batch)
            {
                e.Event.Sent = sent;
            }

            await shoal.Publisher.PublishBatchAsync(topic, batch, cancellationToken);
            next = end;
        }

        var publishing = Stopwatch.GetElapsedTime(start);
        var drainWait = settings.Duration > MinDrainWait ? settings.Duration : MinDrainWait;
        try
        {
            await counter.AllHandled(total).WaitAsync(drainWait, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Reported as Handled < Published: the events not handled in time are missing from the percentiles.
        }

        var handled = counter.Count;
        var gcPause = GC.GetTotalPauseDuration() - gcPauseBefore;
        await shoal.StopAsync(cancellationToken);
        return new LatencyBenchLine(rate, total, handled, total / Math.Max(publishing.TotalSeconds, 1e-9), Percentiles(fromSlot), Percentiles(fromPublish), Percentiles(sendLag),
            Math.Round(gcPause.TotalMilliseconds, 1));
    }

    private static long Micros(long stopwatchTicks) =>
        Math.Clamp((long)(stopwatchTicks * 1_000_000.0 / Stopwatch.Frequency), 1, HighestMicros);

    private static LatencyPercentiles Percentiles(HistogramBase histogram) => histogram.TotalCount == 0
        ? new LatencyPercentiles(0, 0, 0, 0, 0)
        : new LatencyPercentiles(
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()));

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 3);

    /// <summary>Counts handler starts of measured events and signals when the warm-up and when every measured event was handled.</summary>
    private sealed class HandledCounter
    {
        private readonly TaskCompletionSource _warm = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _warmCount;
        private long _warmTarget = long.MaxValue;
        private long _count;
        private long _target = long.MaxValue;

        public long Count => Volatile.Read(ref _count);

        public void Handled(bool warmup)
        {
            if (warmup)
            {
                if (Interlocked.Increment(ref _warmCount) >= Volatile.Read(ref _warmTarget))
                {
                    _warm.TrySetResult();
                }
            }
            else if (Interlocked.Increment(ref _count) >= Volatile.Read(ref _target))
            {
                _all.TrySetResult();
            }
        }

        public Task WarmedUp(long events)
        {
            Volatile.Write(ref _warmTarget, events);
            if (Volatile.Read(ref _warmCount) >= events)
            {
                _warm.TrySetResult();
            }

            return _warm.Task;
        }

        public Task AllHandled(long events)
        {
            Volatile.Write(ref _target, events);
            if (Volatile.Read(ref _count) >= events)
            {
                _all.TrySetResult();
            }

            return _all.Task;
        }
    }
}

/// <summary>The latency bench's event: its place in the schedule, its slot and when it was sent (<see cref="Stopwatch"/> timestamps of this process).</summary>
internal sealed class LatencyEvent
{
    /// <summary>The event's number in the schedule; -1 for warm-up events, which are not recorded.</summary>
    public long Seq { get; set; }

    /// <summary>When the schedule wanted it sent.</summary>
    public long Slot { get; set; }

    /// <summary>When the publish call that carried it began.</summary>
    public long Sent { get; set; }
}

[JsonSerializable(typeof(LatencyEvent))]
internal sealed partial class LatencyJsonContext : JsonSerializerContext;
