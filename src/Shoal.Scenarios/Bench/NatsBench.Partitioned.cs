using System.Diagnostics;
using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Shoal.Engine;
using Shoal.Scenarios.Workload;

namespace Shoal.Scenarios.Bench;

public static partial class NatsBench
{
    private const string BenchType = "bench";
    private const int Sides = 7;

    /// <summary>
    /// Publish over <see cref="NatsBenchSettings.Partitions"/> partitions (one stream each on every side, as Shoal
    /// stores a topic) through six paths in the same run, each round in a rotated order, every ratio taken against the
    /// raw sliding window of the same round:
    /// raw <c>js.PublishAsync</c> with at most W acknowledgements outstanding (a sliding window: the baseline);
    /// raw <c>js.PublishAsync</c> in blocks of W awaited together (how the single-partition baseline is built);
    /// raw <c>js.PublishConcurrentAsync</c> with a sliding window of W futures;
    /// a hand-written window (one reply subscription, core publishes with a reply subject: Shoal's mechanism without Shoal),
    /// once with only <c>Nats-Msg-Id</c> and once with the header block Shoal writes for each event (the same bytes on the wire);
    /// Shoal's <see cref="IEventPublisher.PublishSerializedBatchAsync"/> of the same payloads in batches of W;
    /// Shoal's <see cref="IEventPublisher.PublishBatchAsync{TEvent}"/> of the event <c>shoal produce</c> writes (JSON),
    /// in batches of W with ids, keys and the loop of <c>shoal produce</c>.
    /// Every path sends a <c>Nats-Msg-Id</c> per event; events go round robin (raw) or by key (Shoal, 1,000 keys).
    /// </summary>
    private static async Task<NatsPartitionedPublishResult> RunPartitionedAsync(
        IShoalEngine engine, NatsJSContext js, NatsConnection raw, int replicas, NatsBenchSettings settings, byte[] payload, CancellationToken cancellationToken)
    {
        var partitions = settings.Partitions;
        var name = $"bp{Guid.NewGuid():N}"[..12];
        var rawSides = new[] { "window", "block", "concurrent", "inbox", "inboxh" };
        foreach (var side in rawSides)
        {
            for (var p = 0; p < partitions; p++)
            {
                await js.CreateStreamAsync(new StreamConfig($"BENCHRAW_{name}_{side}_{p}", [$"benchraw.{name}.{side}.{p}"])
                {
                    NumReplicas = replicas,
                    Storage = StreamConfigStorage.File,
                    MaxMsgs = RetentionOptions.Default.MaxEventsPerPartition,
                    DuplicateWindow = TimeSpan.FromMinutes(2),
                    AllowDirect = true,
                }, cancellationToken);
            }
        }

        await engine.Log.CreateTopicAsync(new TopicOptions { Name = name + "s", Partitions = partitions, Replicas = replicas }, cancellationToken);
        await engine.Log.CreateTopicAsync(new TopicOptions { Name = name + "p", Partitions = partitions, Replicas = replicas }, cancellationToken);
        await using var runtime = ShoalRuntime.Create(engine, new ShoalOptions
        {
            EventTypes = ProducedEvent.Registry(),
            Serializers = ProducedEvent.Serializers(),
        });

        var subjects = rawSides.ToDictionary(s => s, s => Enumerable.Range(0, partitions).Select(p => $"benchraw.{name}.{s}.{p}").ToArray());
        var rates = Enumerable.Range(0, Sides).Select(_ => new List<double>()).ToArray();
        var ratios = Enumerable.Range(0, Sides).Select(_ => new List<double>()).ToArray();
        var allocated = Enumerable.Range(0, Sides).Select(_ => new List<double>()).ToArray();
        for (var round = -1; round < settings.Rounds; round++)
        {
            var events = round < 0 ? Math.Max(1_000, settings.Events / 10) : settings.Events;
            var prefix = $"r{round + 1}-";
            var measured = new double[Sides];
            var bytes = new double[Sides];
            for (var i = 0; i < Sides; i++)
            {
                var which = (i + round + Sides) % Sides;
                var before = GC.GetTotalAllocatedBytes(precise: true);
                measured[which] = which switch
                {
                    0 => await RawWindowAsync(js, subjects["window"], prefix, payload, events, settings.Window, cancellationToken),
                    1 => await RawBlocksAsync(js, subjects["block"], prefix, payload, events, settings.Window, cancellationToken),
                    2 => await RawConcurrentAsync(js, subjects["concurrent"], prefix, payload, events, settings.Window, cancellationToken),
                    3 => await RawInboxWindowAsync(raw, subjects["inbox"], prefix, payload, events, settings.Window, shoalHeaders: false, cancellationToken),
                    4 => await RawInboxWindowAsync(raw, subjects["inboxh"], prefix, payload, events, settings.Window, shoalHeaders: true, cancellationToken),
                    5 => await ShoalSerializedAsync(runtime.Publisher, name + "s", prefix, payload, events, settings.Window, cancellationToken),
                    _ => await ShoalProduceAsync(runtime.Publisher, name + "p", prefix, events, settings.Window, cancellationToken),
                };
                bytes[which] = (double)(GC.GetTotalAllocatedBytes(precise: true) - before) / events;
            }

            if (round < 0)
            {
                continue;
            }

            for (var i = 0; i < Sides; i++)
            {
                rates[i].Add(measured[i]);
                ratios[i].Add(measured[i] / measured[0]);
                allocated[i].Add(bytes[i]);
            }
        }

        foreach (var side in rawSides)
        {
            for (var p = 0; p < partitions; p++)
            {
                await js.DeleteStreamAsync($"BENCHRAW_{name}_{side}_{p}", cancellationToken);
            }
        }

        string[] names =
        [
            "raw js.PublishAsync, sliding window (baseline)",
            "raw js.PublishAsync, blocks of the window",
            "raw js.PublishConcurrentAsync, sliding window",
            "raw hand-written window (one reply inbox)",
            "raw hand-written window, Shoal's header block",
            "Shoal IEventPublisher, same payloads",
            "Shoal produce loop (JSON events)",
        ];
        return new NatsPartitionedPublishResult(partitions, [.. Enumerable.Range(0, Sides).Select(i => new NatsPublishSideResult(
            names[i], Median(rates[i]), Median(ratios[i]), ratios[i].Min(), ratios[i].Max(), Median(allocated[i])))]);
    }

    private static string MsgId(string prefix, int n) => prefix + n.ToString(CultureInfo.InvariantCulture);

    private static async Task<double> RawWindowAsync(NatsJSContext js, string[] subjects, string prefix, byte[] payload, int events, int windowSize, CancellationToken cancellationToken)
    {
        var window = new Task<PubAckResponse>[windowSize];
        var clock = Stopwatch.StartNew();
        for (var n = 0; n < events; n++)
        {
            var slot = n % windowSize;
            if (window[slot] is { } previous)
            {
                (await previous).EnsureSuccess();
            }

            window[slot] = js.PublishAsync(subjects[n % subjects.Length], payload, opts: new NatsJSPubOpts { MsgId = MsgId(prefix, n) }, cancellationToken: cancellationToken).AsTask();
        }

        foreach (var pending in window)
        {
            if (pending is not null)
            {
                (await pending).EnsureSuccess();
            }
        }

        return events / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> RawBlocksAsync(NatsJSContext js, string[] subjects, string prefix, byte[] payload, int events, int windowSize, CancellationToken cancellationToken)
    {
        var window = new Task<PubAckResponse>[windowSize];
        var clock = Stopwatch.StartNew();
        for (var sent = 0; sent < events; sent += window.Length)
        {
            var count = Math.Min(window.Length, events - sent);
            for (var i = 0; i < count; i++)
            {
                var n = sent + i;
                window[i] = js.PublishAsync(subjects[n % subjects.Length], payload, opts: new NatsJSPubOpts { MsgId = MsgId(prefix, n) }, cancellationToken: cancellationToken).AsTask();
            }

            for (var i = 0; i < count; i++)
            {
                (await window[i]).EnsureSuccess();
            }
        }

        return events / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> RawConcurrentAsync(NatsJSContext js, string[] subjects, string prefix, byte[] payload, int events, int windowSize, CancellationToken cancellationToken)
    {
        var window = new NatsJSPublishConcurrentFuture?[windowSize];
        var clock = Stopwatch.StartNew();
        for (var n = 0; n < events; n++)
        {
            var slot = n % windowSize;
            if (window[slot] is { } previous)
            {
                await using (previous)
                {
                    (await previous.GetResponseAsync(cancellationToken)).EnsureSuccess();
                }
            }

            window[slot] = await js.PublishConcurrentAsync(subjects[n % subjects.Length], payload, opts: new NatsJSPubOpts { MsgId = MsgId(prefix, n) }, cancellationToken: cancellationToken);
        }

        foreach (var pending in window)
        {
            if (pending is { } future)
            {
                await using (future)
                {
                    (await future.GetResponseAsync(cancellationToken)).EnsureSuccess();
                }
            }
        }

        return events / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Shoal's publish mechanism without Shoal: one core subscription on <c>{inbox}.&gt;</c> takes every
    /// acknowledgement, each message is a core publish with the reply subject <c>{inbox}.{n}</c>, and a semaphore keeps
    /// at most W outstanding. An acknowledgement that is not a stored sequence fails the run. With
    /// <paramref name="shoalHeaders"/>, each message carries the headers Shoal's NATS engine writes for an event with an
    /// id, a key and a timestamp (docs/wire-format.md), so the bytes per message are Shoal's.
    /// </summary>
    private static async Task<double> RawInboxWindowAsync(
        NatsConnection connection, string[] subjects, string prefix, byte[] payload, int events, int windowSize, bool shoalHeaders, CancellationToken cancellationToken)
    {
        var inbox = "_INBOX." + Guid.NewGuid().ToString("N");
        await using var subscription = await connection.SubscribeCoreAsync(inbox + ".>", serializer: NatsRawSerializer<byte[]>.Default, cancellationToken: cancellationToken);
        using var slots = new SemaphoreSlim(windowSize, windowSize);
        var acked = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task PumpAsync()
        {
            await foreach (var msg in subscription.Msgs.ReadAllAsync(cancellationToken))
            {
                if (msg.HasNoResponders || msg.Data is null || msg.Data.AsSpan().IndexOf("\"error\""u8) >= 0)
                {
                    done.TrySetException(new InvalidOperationException("publish not acknowledged: " + (msg.Data is null ? "no data" : System.Text.Encoding.UTF8.GetString(msg.Data))));
                    return;
                }

                slots.Release();
                if (++acked == events)
                {
                    done.TrySetResult();
                    return;
                }
            }
        }

        var pump = PumpAsync();
        var clock = Stopwatch.StartNew();
        for (var n = 0; n < events; n++)
        {
            await slots.WaitAsync(cancellationToken);
            var id = MsgId(prefix, n);
            var perMessage = shoalHeaders
                ? new NatsHeaders
                {
                    [ShoalHeaders.Envelope.Id] = id,
                    [ShoalHeaders.Envelope.Type] = BenchType,
                    [ShoalHeaders.Envelope.Key] = ProducedEvent.KeyName(n % 1000),
                    [ShoalHeaders.Envelope.ContentType] = "application/octet-stream",
                    [ShoalHeaders.Envelope.Timestamp] = DateTimeOffset.UtcNow.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                    [ShoalHeaders.Envelope.MsgId] = id,
                }
                : new NatsHeaders { [ShoalHeaders.Envelope.MsgId] = id };
            await connection.PublishAsync(subjects[n % subjects.Length], payload, perMessage, inbox + "." + n.ToString(CultureInfo.InvariantCulture), NatsRawSerializer<byte[]>.Default, cancellationToken: cancellationToken);
        }

        await done.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        var rate = events / clock.Elapsed.TotalSeconds;
        await subscription.UnsubscribeAsync();
        await pump;
        return rate;
    }

    private static async Task<double> ShoalSerializedAsync(IEventPublisher publisher, string topic, string prefix, byte[] payload, int events, int windowSize, CancellationToken cancellationToken)
    {
        var batch = new List<SerializedEvent>(windowSize);
        var keys = Enumerable.Range(0, 1000).Select(ProducedEvent.KeyName).ToArray();
        var clock = Stopwatch.StartNew();
        for (var sent = 0; sent < events; sent += windowSize)
        {
            batch.Clear();
            var end = Math.Min(events, sent + windowSize);
            for (var n = sent; n < end; n++)
            {
                batch.Add(new SerializedEvent(keys[n % keys.Length], BenchType, payload) { Id = MsgId(prefix, n), ContentType = "application/octet-stream" });
            }

            await publisher.PublishSerializedBatchAsync(topic, batch, cancellationToken);
        }

        return events / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The loop of <c>shoal produce</c> (<see cref="Producer"/>): typed events serialized as JSON, ids given.</summary>
    private static async Task<double> ShoalProduceAsync(IEventPublisher publisher, string topic, string prefix, int events, int windowSize, CancellationToken cancellationToken)
    {
        var batch = new List<OutgoingEvent<ProducedEvent>>(windowSize);
        var keys = Enumerable.Range(0, 1000).Select(ProducedEvent.KeyName).ToArray();
        var run = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 8);
        var clock = Stopwatch.StartNew();
        for (var sent = 0; sent < events; sent += windowSize)
        {
            batch.Clear();
            var end = Math.Min(events, sent + windowSize);
            for (var n = sent; n < end; n++)
            {
                var key = keys[n % keys.Length];
                batch.Add(new OutgoingEvent<ProducedEvent>(key, new ProducedEvent { Key = key, Seq = n / keys.Length, RunId = run }) { Id = MsgId(prefix, n) });
            }

            await publisher.PublishBatchAsync(topic, batch, cancellationToken);
        }

        return events / clock.Elapsed.TotalSeconds;
    }

}

/// <summary>
/// Publish over several partitions through several paths in the same run (see docs/benchmarks.md); the first side is
/// the baseline every ratio is taken against, round by round.
/// </summary>
/// <param name="Partitions">Partitions (streams) per side.</param>
/// <param name="Sides">Each path's numbers, the baseline first.</param>
public sealed record NatsPartitionedPublishResult(int Partitions, IReadOnlyList<NatsPublishSideResult> Sides);

/// <summary>One path of the multi-partition publish comparison.</summary>
/// <param name="Name">What published.</param>
/// <param name="PerSecond">Events per second, median of the rounds.</param>
/// <param name="Ratio">Median of the rounds' ratios against the baseline of the same round.</param>
/// <param name="RatioMin">Lowest round ratio.</param>
/// <param name="RatioMax">Highest round ratio.</param>
/// <param name="AllocatedBytesPerEvent">Bytes the process allocated while this path ran, per event (median of the rounds; includes the client's read loop).</param>
public sealed record NatsPublishSideResult(string Name, double PerSecond, double Ratio, double RatioMin, double RatioMax, double AllocatedBytesPerEvent);
