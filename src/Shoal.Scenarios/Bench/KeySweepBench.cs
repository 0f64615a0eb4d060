using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Shoal.Engine;
using Shoal.Serialization;

namespace Shoal.Scenarios.Bench;

/// <summary>
/// Parallel Consumer's key-sweep shape: N events on ONE partition, each handler waiting a random 0–max ms (seeded, so
/// event n waits the same in every measurement; <see cref="PreciseDelay"/>, since <c>Task.Delay</c> is coarse), first in
/// partition order (concurrency 1: one event at a time), then in key order (one event per key at a time, keys
/// concurrently up to the concurrency) for each key count. Each measurement publishes its events to a fresh topic
/// before its runtime starts, and times from the start to the end of the last handler call. The handler records every
/// call, so duplicates, per-key order and per-key overlap are counted from what ran, not assumed.
/// </summary>
public static class KeySweepBench
{
    private const string Group = "keys";
    private const int PublishBatch = 1024;
    private static readonly TimeSpan MinWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(40);

    /// <summary>Measures partition order, then key order for each key count, each on its own topic and runtime.</summary>
    /// <param name="settings">What to measure (validated first).</param>
    /// <param name="services">What the engine gets (its logger).</param>
    /// <param name="progress">Where each measurement's start and result go, one line each.</param>
    /// <param name="cancellationToken">Stops the bench.</param>
    public static async Task<KeySweepBenchReport> RunAsync(KeySweepBenchSettings settings, EngineServices services, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var work = Work(settings);
        var totalWork = TimeSpan.FromTicks(work.Sum(w => w.Ticks));
        using var delay = new PreciseDelay();
        await using var engine = await ShoalEngines.OpenAsync(settings.Engine, services, cancellationToken);
        var run = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 4);
        var measure = new Measurement(engine, settings, work, delay, totalWork);

        // Partition order does not depend on the keys (one event at a time); it runs with the most keys of the sweep.
        progress.WriteLine(FormattableString.Invariant($"partition order: {settings.Events:N0} events, concurrency 1 (work adds up to {totalWork.TotalSeconds:0.00} s)…"));
        var baseline = await measure.RunAsync($"keys-{run}-p", settings.Keys.Max(), 1, "partition", null, cancellationToken);
        progress.WriteLine(Format(baseline));
        var lines = new List<KeySweepBenchLine>();
        foreach (var keys in settings.Keys)
        {
            progress.WriteLine(FormattableString.Invariant($"key order: {keys:N0} keys, concurrency {settings.Concurrency}…"));
            var line = await measure.RunAsync($"keys-{run}-{lines.Count}", keys, settings.Concurrency, "key", baseline.Seconds, cancellationToken);
            lines.Add(line);
            progress.WriteLine(Format(line));
        }

        return new KeySweepBenchReport(ShoalEngines.Redact(settings.Engine), settings.Events, settings.MaxWork.TotalMilliseconds, settings.Seed,
            Math.Round(totalWork.TotalSeconds, 3), baseline, lines);
    }

    /// <summary>One line of human output for a measurement.</summary>
    public static string Format(KeySweepBenchLine line)
    {
        var order = line.Order == "partition" ? "partition order" : "key order      ";
        var broken = line.Duplicates + line.OrderViolations + line.Overlaps > 0
            ? FormattableString.Invariant($"  ORDER BROKEN: {line.OrderViolations} out of order, {line.Overlaps} overlapping, {line.Duplicates} duplicates")
            : string.Empty;
        return FormattableString.Invariant(
            $"{order} {line.Keys,7:N0} keys  concurrency {line.Concurrency,4}: {line.Seconds,8:0.000} s  {line.EventsPerSecond,9:N0} events/s  {line.Ratio,7:0.00}x  handled {line.Handled:N0}  peak {line.PeakConcurrency} at once  timer late {line.TimerLateMeanMs:0.000} ms{broken}");
    }

    /// <summary>Event n's work: uniform from 0 up to the maximum, to the microsecond, from the seed alone.</summary>
    internal static TimeSpan[] Work(KeySweepBenchSettings settings)
    {
        var random = new Random(settings.Seed);
        var maxMicros = (long)settings.MaxWork.TotalMicroseconds;
        var work = new TimeSpan[settings.Events];
        for (var i = 0; i < work.Length; i++)
        {
            work[i] = TimeSpan.FromMicroseconds(random.NextInt64(maxMicros + 1));
        }

        return work;
    }

    private sealed class Measurement(IShoalEngine engine, KeySweepBenchSettings settings, TimeSpan[] work, PreciseDelay delay, TimeSpan totalWork)
    {
        public async Task<KeySweepBenchLine> RunAsync(string topic, int keys, int concurrency, string order, double? baselineSeconds, CancellationToken cancellationToken)
        {
            var record = new HandlerRecord(settings.Events, keys);
            var handler = HandlerRegistration.For<KeySweepEvent>((e, context, ct) =>
            {
                record.Started(e.Seq, e.Key);
                var wait = work[e.Seq];
                if (wait <= TimeSpan.Zero)
                {
                    record.Ended(e.Key);
                    return ValueTask.CompletedTask;
                }

                return new ValueTask(EndAfterAsync(delay.WaitAsync(wait), record, e.Key));
            });
            var topicOptions = new TopicOptions { Name = topic, Partitions = 1 };
            var options = new ShoalOptions
            {
                Topics = [topicOptions],
                EventTypes = new EventTypeRegistry().Add<KeySweepEvent>("key-sweep-event"),
                Serializers = EventSerializers.CreateDefault(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = KeySweepJsonContext.Default }),
                Groups =
                [
                    new GroupRegistration
                    {
                        Options = new GroupOptions { Name = Group, Topic = topic, MaxConcurrency = concurrency },
                        Handlers = [handler],
                    },
                ],
            };
            await using var shoal = ShoalRuntime.Create(engine, options);

            // Every event is in the log before the group starts: the clock measures processing, not publishing.
            await engine.Log.CreateTopicAsync(topicOptions, cancellationToken);
            var names = Enumerable.Range(0, keys).Select(k => "k" + k.ToString(CultureInfo.InvariantCulture)).ToArray();
            var batch = new List<OutgoingEvent<KeySweepEvent>>(PublishBatch);
            for (var start = 0; start < settings.Events; start += PublishBatch)
            {
                batch.Clear();
                for (var n = start; n < Math.Min(settings.Events, start + PublishBatch); n++)
                {
                    batch.Add(new OutgoingEvent<KeySweepEvent>(names[n % keys], new KeySweepEvent { Seq = n, Key = n % keys }));
                }

                await shoal.Publisher.PublishBatchAsync(topic, batch, cancellationToken);
            }

            delay.TakeStats();
            var clock = Stopwatch.StartNew();
            await shoal.StartAsync(cancellationToken);
            try
            {
                // Generous: partition order takes the work added up, and a loaded machine more.
                await record.AllEnded.WaitAsync(TimeSpan.FromTicks(Math.Min((MinWait + (totalWork * 3)).Ticks, MaxWait.Ticks)), cancellationToken);
            }
            catch (TimeoutException)
            {
                // Reported as Handled below the events.
            }

            var elapsed = clock.Elapsed.TotalSeconds;
            var timer = delay.TakeStats();
            await shoal.StopAsync(cancellationToken);
            return new KeySweepBenchLine(order, keys, concurrency, record.Handled, record.Duplicates, record.OrderViolations, record.Overlaps, record.PeakConcurrency,
                Math.Round(elapsed, 4), Math.Round(settings.Events / elapsed, 1), Math.Round(baselineSeconds is { } b ? b / elapsed : 1, 2),
                Math.Round(timer.MeanLateness.TotalMilliseconds, 3));
        }

        private static async Task EndAfterAsync(Task wait, HandlerRecord record, int key)
        {
            await wait;
            record.Ended(key);
        }
    }

    /// <summary>What the handler saw: each event's calls, each key's last started event and calls running, the peak at once.</summary>
    internal sealed class HandlerRecord(int events, int keys)
    {
        private readonly int[] _calls = new int[events];
        private readonly int[] _lastStarted = CreateLast(keys);
        private readonly int[] _running = new int[keys];
        private readonly TaskCompletionSource _allEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _handled;
        private long _duplicates;
        private long _orderViolations;
        private long _overlaps;
        private long _ended;
        private int _runningAll;
        private int _peak;

        public Task AllEnded => _allEnded.Task;

        public long Handled => Interlocked.Read(ref _handled);

        public long Duplicates => Interlocked.Read(ref _duplicates);

        public long OrderViolations => Interlocked.Read(ref _orderViolations);

        public long Overlaps => Interlocked.Read(ref _overlaps);

        public int PeakConcurrency => Volatile.Read(ref _peak);

        public void Started(int seq, int key)
        {
            if (Interlocked.Increment(ref _calls[seq]) == 1)
            {
                Interlocked.Increment(ref _handled);
            }
            else
            {
                Interlocked.Increment(ref _duplicates);
            }

            if (Interlocked.Exchange(ref _lastStarted[key], seq) > seq)
            {
                Interlocked.Increment(ref _orderViolations);
            }

            if (Interlocked.Increment(ref _running[key]) > 1)
            {
                Interlocked.Increment(ref _overlaps);
            }

            var running = Interlocked.Increment(ref _runningAll);
            var peak = Volatile.Read(ref _peak);
            while (running > peak)
            {
                var seen = Interlocked.CompareExchange(ref _peak, running, peak);
                if (seen == peak)
                {
                    break;
                }

                peak = seen;
            }
        }

        public void Ended(int key)
        {
            Interlocked.Decrement(ref _running[key]);
            Interlocked.Decrement(ref _runningAll);
            if (Interlocked.Increment(ref _ended) >= events)
            {
                _allEnded.TrySetResult();
            }
        }

        private static int[] CreateLast(int keys)
        {
            var last = new int[keys];
            Array.Fill(last, -1);
            return last;
        }
    }
}

/// <summary>The key sweep's event: its place in the sequence (which picks its work) and its key's number.</summary>
internal sealed class KeySweepEvent
{
    /// <summary>The event's number, 0 to events − 1, in publish (and offset) order.</summary>
    public int Seq { get; set; }

    /// <summary>Its key's number: <see cref="Seq"/> mod keys.</summary>
    public int Key { get; set; }
}

[JsonSerializable(typeof(KeySweepEvent))]
internal sealed partial class KeySweepJsonContext : JsonSerializerContext;
