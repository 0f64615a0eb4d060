using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Shoal.Engine;
using Shoal.Engines.Nats;

namespace Shoal.Scenarios.Bench;

/// <summary>
/// Publish and consume N events through Shoal's NATS engine (<see cref="IEventLog.AppendAsync"/> in batches of the
/// window, <see cref="IEventLog.ReadAsync"/> from offset 0 into a buffer of the window) and through the raw NATS.Net
/// JetStream client (a window of concurrent <c>PublishAsync</c> calls with <c>Nats-Msg-Id</c>; a pull consumer without
/// acks, <c>MaxMsgs</c> = the window, touching each message's data), on streams of the same configuration on the same
/// servers. Consume is compared on the same messages (the raw consumer reads Shoal's stream: same bytes, same headers)
/// and, for reference, against the raw consumer on the raw stream (the same payloads without Shoal's headers). One
/// unmeasured warm-up round first; the order of the sides rotates between rounds.
/// </summary>
public static partial class NatsBench
{
    /// <summary>Measures both sides on the servers at <paramref name="urls"/> (see <see cref="NatsBench"/>).</summary>
    /// <param name="setup">The name of the setup in the result.</param>
    /// <param name="urls">The servers' client URLs (<see cref="Shoal.Scenarios.Nats.LocalNatsCluster.Urls"/>).</param>
    /// <param name="replicas">Replicas of the streams on both sides (1, or 3 on a cluster).</param>
    /// <param name="settings">Events, payload size, window and rounds.</param>
    /// <param name="cancellationToken">Stops the measurement.</param>
    public static async Task<NatsBenchResult> RunAsync(string setup, IReadOnlyList<string> urls, int replicas, NatsBenchSettings settings, CancellationToken cancellationToken)
    {
        var options = new NatsEngineOptions
        {
            Connection = new NatsConnectionOptions { Urls = urls },
            DefaultReplicas = replicas,
            CoordinationReplicas = replicas,
            PublishWindow = settings.Window,
            ReadAhead = settings.Window,
        };
        await using var engine = await NatsEngine.ConnectAsync(options, cancellationToken);
        await using var raw = new NatsConnection(new NatsOpts { Url = string.Join(",", urls) });
        await raw.ConnectAsync();
        var js = new NatsJSContext(raw);
        var payload = new byte[settings.PayloadBytes];
        Random.Shared.NextBytes(payload);

        var shoalPublish = new List<double>();
        var rawPublish = new List<double>();
        var shoalConsume = new List<double>();
        var rawConsumeShoal = new List<double>();
        var rawConsume = new List<double>();
        var publishRatios = new List<double>();
        var consumeRatios = new List<double>();
        var headerlessRatios = new List<double>();
        var shoalUpdates = new List<double>();
        var rawUpdates = new List<double>();
        var updateRatios = new List<double>();
        var rawKv = await new NATS.Client.KeyValueStore.NatsKVContext(js).CreateStoreAsync(new NATS.Client.KeyValueStore.NatsKVConfig($"benchraw-{Guid.NewGuid():N}"[..20])
        {
            History = 1,
            NumberOfReplicas = replicas,
            Storage = NATS.Client.KeyValueStore.NatsKVStorageType.File,
        }, cancellationToken);
        var partitioned = settings.Partitions > 0
            ? await RunPartitionedAsync(engine, js, raw, replicas, settings, payload, cancellationToken)
            : null;
        for (var round = settings.PartitionedOnly ? settings.Rounds : -1; round < settings.Rounds; round++)
        {
            // Round -1 warms up (JIT, connections, server caches) on a tenth of the events and is not counted.
            var events = round < 0 ? Math.Max(1_000, settings.Events / 10) : settings.Events;
            var topic = $"bench-{Guid.NewGuid():N}"[..16];
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = topic, Partitions = 1, Replicas = replicas }, cancellationToken);
            var stream = $"BENCHRAW_{topic}";
            await js.CreateStreamAsync(new StreamConfig(stream, [$"benchraw.{topic}"])
            {
                NumReplicas = replicas,
                Storage = StreamConfigStorage.File,
                MaxMsgs = RetentionOptions.Default.MaxEventsPerPartition,
                DuplicateWindow = TimeSpan.FromMinutes(2),
                AllowDirect = true,
            }, cancellationToken);

            // Alternate which goes first so neither always meets a warmer server.
            double sp, rp;
            if (round % 2 == 0)
            {
                sp = await ShoalPublishAsync(engine, topic, payload, events, settings.Window, cancellationToken);
                rp = await RawPublishAsync(js, $"benchraw.{topic}", payload, events, settings.Window, cancellationToken);
            }
            else
            {
                rp = await RawPublishAsync(js, $"benchraw.{topic}", payload, events, settings.Window, cancellationToken);
                sp = await ShoalPublishAsync(engine, topic, payload, events, settings.Window, cancellationToken);
            }

            // Rotate the three reads so each takes each place in turn.
            var rates = new double[3];
            for (var i = 0; i < 3; i++)
            {
                var which = (i + round + 3) % 3;
                rates[which] = which switch
                {
                    0 => await ShoalConsumeAsync(engine, topic, events, settings.Window, cancellationToken),
                    1 => await RawConsumeAsync(js, $"SHOAL_{topic}_0", events, settings.Window, cancellationToken),
                    _ => await RawConsumeAsync(js, stream, events, settings.Window, cancellationToken),
                };
            }

            await js.DeleteStreamAsync(stream, cancellationToken);

            // Coordination: one key updated by compare-and-set, one update after the other (a lease renewal, a commit).
            var updates = Math.Clamp(events / 50, 200, 5_000);
            double su, ru;
            if (round % 2 == 0)
            {
                su = await ShoalUpdatesAsync(engine.Coordination, $"bench/{topic}", updates, cancellationToken);
                ru = await RawUpdatesAsync(rawKv, topic, updates, cancellationToken);
            }
            else
            {
                ru = await RawUpdatesAsync(rawKv, topic, updates, cancellationToken);
                su = await ShoalUpdatesAsync(engine.Coordination, $"bench/{topic}", updates, cancellationToken);
            }

            if (round < 0)
            {
                continue;
            }

            shoalUpdates.Add(su);
            rawUpdates.Add(ru);
            updateRatios.Add(su / ru);

            shoalPublish.Add(sp);
            rawPublish.Add(rp);
            publishRatios.Add(sp / rp);
            shoalConsume.Add(rates[0]);
            rawConsumeShoal.Add(rates[1]);
            rawConsume.Add(rates[2]);
            consumeRatios.Add(rates[0] / rates[1]);
            headerlessRatios.Add(rates[0] / rates[2]);
        }

        await new NATS.Client.KeyValueStore.NatsKVContext(js).DeleteStoreAsync(rawKv.Bucket, cancellationToken);
        return new NatsBenchResult(setup, Median(shoalPublish), Median(rawPublish), Median(publishRatios),
            Median(shoalConsume), Median(rawConsumeShoal), Median(consumeRatios), Median(rawConsume), Median(headerlessRatios))
        {
            Partitioned = partitioned,
            ShoalUpdatesPerSecond = Median(shoalUpdates),
            RawUpdatesPerSecond = Median(rawUpdates),
            UpdateRatio = Median(updateRatios),
            ServerVersion = raw.ServerInfo?.Version,
            UpdatesConfirmed = engine is NatsShoalEngine { Coordination: NatsCoordinationStore { ConfirmsUpdates: true } },
        };
    }

    /// <summary>Updates per second of one key through Shoal's coordination store, each expecting the revision the last one wrote.</summary>
    private static async Task<double> ShoalUpdatesAsync(ICoordinationStore store, string key, int updates, CancellationToken cancellationToken)
    {
        var value = new byte[64];
        var revision = await store.TryCreateAsync(key, value, cancellationToken) ?? throw new InvalidOperationException($"'{key}' existed already.");
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < updates; i++)
        {
            revision = await store.TryUpdateAsync(key, value, revision, cancellationToken) ?? throw new InvalidOperationException($"An update of '{key}' lost its compare-and-set with nobody else writing.");
        }

        return updates / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The same through the raw NATS.Net KV client on a bucket of the same replicas.</summary>
    private static async Task<double> RawUpdatesAsync(NATS.Client.KeyValueStore.INatsKVStore kv, string key, int updates, CancellationToken cancellationToken)
    {
        var value = new byte[64];
        var revision = await kv.CreateAsync(key, value, cancellationToken: cancellationToken);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < updates; i++)
        {
            revision = await kv.UpdateAsync(key, value, revision, cancellationToken: cancellationToken);
        }

        return updates / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> ShoalPublishAsync(IShoalEngine engine, string topic, byte[] payload, int events, int window, CancellationToken cancellationToken)
    {
        var batch = new EventEnvelope[window];
        var results = new AppendedEvent[window];
        var clock = Stopwatch.StartNew();
        for (var sent = 0; sent < events; sent += batch.Length)
        {
            var count = Math.Min(batch.Length, events - sent);
            for (var i = 0; i < count; i++)
            {
                var id = $"e-{sent + i}";
                batch[i] = new EventEnvelope(id, topic, $"key-{(sent + i) % 1000}", "bench", payload) { Deduplicate = true };
            }

            await engine.Log.AppendAsync(topic, 0, batch.AsMemory(0, count), results, cancellationToken);
        }

        return events / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> RawPublishAsync(NatsJSContext js, string subject, byte[] payload, int events, int windowSize, CancellationToken cancellationToken)
    {
        var window = new Task<PubAckResponse>[windowSize];
        var clock = Stopwatch.StartNew();
        for (var sent = 0; sent < events; sent += window.Length)
        {
            var count = Math.Min(window.Length, events - sent);
            for (var i = 0; i < count; i++)
            {
                window[i] = js.PublishAsync(subject, payload, opts: new NatsJSPubOpts { MsgId = $"e-{sent + i}" }, cancellationToken: cancellationToken).AsTask();
            }

            for (var i = 0; i < count; i++)
            {
                (await window[i]).EnsureSuccess();
            }
        }

        return events / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> ShoalConsumeAsync(IShoalEngine engine, string topic, int events, int window, CancellationToken cancellationToken)
    {
        var buffer = new EventEnvelope[window];
        long next = 0;
        var clock = Stopwatch.StartNew();
        while (next < events)
        {
            var read = await engine.Log.ReadAsync(topic, 0, next, buffer, cancellationToken);
            next = buffer[read - 1].Offset + 1;
        }

        return events / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> RawConsumeAsync(NatsJSContext js, string stream, int events, int window, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var consumer = await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig { AckPolicy = ConsumerConfigAckPolicy.None, DeliverPolicy = ConsumerConfigDeliverPolicy.All }, cancellationToken);
        var received = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await foreach (var msg in consumer.ConsumeAsync(NatsRawSerializer<byte[]>.Default, new NatsJSConsumeOpts { MaxMsgs = window }, stop.Token))
        {
            _ = msg.Data;
            if (++received >= events)
            {
                break;
            }
        }

        var rate = events / clock.Elapsed.TotalSeconds;
        await js.DeleteConsumerAsync(stream, consumer.Info.Name, cancellationToken);
        return rate;
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        values.Sort();
        return values[values.Count / 2];
    }
}
