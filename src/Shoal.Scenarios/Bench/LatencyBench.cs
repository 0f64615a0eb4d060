using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Shoal.Engine;
using Shoal.Serialization;

namespace Shoal.Scenarios.Bench;

/// <summary>
/// Publish→handler-start latency at fixed rates, open loop: for each rate a fresh topic gets events on a fixed
/// schedule (event n is due at start + n / rate), and the publisher never waits for Shoal to catch up before the next
/// slot; it sends every event whose slot has passed, each carrying its slot, with up to
/// <see cref="LatencyBenchSettings.InFlight"/> publish calls at once (<see cref="LatencySchedule"/>).
/// The handler records, when it starts, the time since the slot (<see cref="LatencyBenchLine.Latency"/>: what a
/// caller publishing at that rate waits, coordinated omission avoided, since a stalled publish delays the slots
/// behind it but not their start) and since the publish call (<see cref="LatencyBenchLine.FromPublish"/>: Shoal's part
/// alone), into HdrHistograms; and the publisher's own lag behind its schedule (<see cref="LatencyBenchLine.SendLag"/>),
/// which is what separates the two. Before Shoal, each rate runs the same schedule through a bare channel
/// (<see cref="LatencyBenchLine.Raw"/>): the floor of this machine, process and pacer.
/// </summary>
public static class LatencyBench
{
    private const string Group = "latency";
    private const int Keys = 1024;
    private const int RawCapacity = 1 << 16;
    private const int WarmupEvents = 200;

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
            settings.HandlerWork.TotalMilliseconds, lines, settings.Pacing.ToString().ToLowerInvariant(), settings.InFlight);
    }

    /// <summary>One line of human output for a rate.</summary>
    public static string Format(LatencyBenchLine line)
    {
        var l = line.Latency;
        var p = line.FromPublish;
        var r = line.Raw.Latency;
        var missing = line.Handled < line.Published ? FormattableString.Invariant($"  ({line.Published - line.Handled:N0} not handled in time)") : string.Empty;
        return FormattableString.Invariant(
            $"{line.Rate,9:N0}/s (sent {line.PublishedPerSecond:N0}/s): p50 {l.P50Ms:0.000}  p90 {l.P90Ms:0.000}  p99 {l.P99Ms:0.000}  p99.9 {l.P999Ms:0.000}  max {l.MaxMs:0.000} ms  | from publish call: p50 {p.P50Ms:0.000}  p99 {p.P99Ms:0.000}  max {p.MaxMs:0.000} ms  | send lag p99 {line.SendLag.P99Ms:0.000} ms  | GC pauses {line.GcPauseMs:0.#} ms  | CPU {line.CpuLoad:0.00} cores  | raw channel: p50 {r.P50Ms:0.000}  p99 {r.P99Ms:0.000}  p99.9 {r.P999Ms:0.000}  max {r.MaxMs:0.000} ms{missing}");
    }

    private static async Task<LatencyBenchLine> MeasureAsync(IShoalEngine engine, LatencyBenchSettings settings, string topic, double rate, CancellationToken cancellationToken)
    {
        var total = Math.Max(1, (long)Math.Round(rate * settings.Duration.TotalSeconds));
        var raw = await MeasureRawAsync(settings, rate, total, cancellationToken);

        var recorder = new LatencyRecorder();
        var counter = new HandledCounter();
        var work = settings.HandlerWork;
        var handler = HandlerRegistration.For<LatencyEvent>((e, context, ct) =>
        {
            if (e.Seq >= 0)
            {
                recorder.Record(e.Slot, e.Sent, Stopwatch.GetTimestamp());
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

        using var schedule = new LatencySchedule(total, rate, settings.Pacing, settings.InFlight);
        var gcPauseBefore = GC.GetTotalPauseDuration();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var wallBefore = Stopwatch.GetTimestamp();
        var publishing = await schedule.RunAsync(
            (first, end, start) =>
            {
                // A list per call: up to InFlight calls are running at once.
                var batch = new List<OutgoingEvent<LatencyEvent>>((int)(end - first));
                var sent = Stopwatch.GetTimestamp();
                for (var n = first; n < end; n++)
                {
                    batch.Add(new OutgoingEvent<LatencyEvent>(keys[n % Keys], new LatencyEvent { Seq = n, Slot = schedule.Slot(start, n), Sent = sent }));
                }

                var call = shoal.Publisher.PublishBatchAsync(topic, batch, cancellationToken);
                return call.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(call.AsTask());
            },
            cancellationToken);

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
        var cpu = (Environment.CpuUsage.TotalTime - cpuBefore) / Stopwatch.GetElapsedTime(wallBefore);
        await shoal.StopAsync(cancellationToken);
        return new LatencyBenchLine(rate, total, handled, total / Math.Max(publishing.TotalSeconds, 1e-9), recorder.FromSlot, recorder.FromSend, recorder.SendLag,
            Math.Round(gcPause.TotalMilliseconds, 1), raw, Math.Round(cpu, 2));
    }

    /// <summary>
    /// The raw baseline: the same schedule, pacing and recording through a bare bounded <see cref="Channel{T}"/> (the
    /// publisher writes each event with its slot, one reader records when it reads it), so Shoal's latency can be read
    /// as added over what this process, this pacer and this machine give anyway.
    /// </summary>
    private static async Task<LatencyBenchRaw> MeasureRawAsync(LatencyBenchSettings settings, double rate, long total, CancellationToken cancellationToken)
    {
        var recorder = new LatencyRecorder();
        var channel = Channel.CreateBounded<RawEvent>(new BoundedChannelOptions(RawCapacity) { SingleReader = true, SingleWriter = false });
        var reader = Task.Run(
            async () =>
            {
                while (await channel.Reader.WaitToReadAsync(cancellationToken))
                {
                    while (channel.Reader.TryRead(out var e))
                    {
                        recorder.Record(e.Slot, e.Sent, Stopwatch.GetTimestamp());
                    }
                }
            },
            cancellationToken);

        using var schedule = new LatencySchedule(total, rate, settings.Pacing, settings.InFlight);
        var gcPauseBefore = GC.GetTotalPauseDuration();
        await schedule.RunAsync(
            (first, end, start) =>
            {
                var sent = Stopwatch.GetTimestamp();
                for (var n = first; n < end; n++)
                {
                    if (!channel.Writer.TryWrite(new RawEvent(schedule.Slot(start, n), sent)))
                    {
                        return WriteRestAsync(channel.Writer, schedule, start, n, end, sent, cancellationToken);
                    }
                }

                return ValueTask.CompletedTask;
            },
            cancellationToken);
        channel.Writer.Complete();
        await reader;
        var gcPause = GC.GetTotalPauseDuration() - gcPauseBefore;
        return new LatencyBenchRaw(recorder.FromSlot, recorder.SendLag, Math.Round(gcPause.TotalMilliseconds, 1));
    }

    private static async ValueTask WriteRestAsync(ChannelWriter<RawEvent> writer, LatencySchedule schedule, long start, long from, long end, long sent, CancellationToken cancellationToken)
    {
        for (var n = from; n < end; n++)
        {
            await writer.WriteAsync(new RawEvent(schedule.Slot(start, n), sent), cancellationToken);
        }
    }

    private readonly record struct RawEvent(long Slot, long Sent);

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
