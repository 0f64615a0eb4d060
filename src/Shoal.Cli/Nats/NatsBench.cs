using System.Diagnostics;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Shoal.Engine;
using Shoal.Engines.Nats;

namespace Shoal.Cli.Nats;

/// <summary>Settings of <c>shoal bench nats</c>.</summary>
internal sealed record NatsBenchSettings(int Events, int PayloadBytes, int Window, int Rounds);

/// <summary>One measurement: events per second through Shoal's engine and through the raw client, on the same servers.</summary>
internal sealed record NatsBenchResult(string Setup, double ShoalPublishPerSecond, double RawPublishPerSecond, double ShoalConsumePerSecond, double RawConsumePerSecond, double RawConsumeShoalStreamPerSecond)
{
    public double PublishRatio => ShoalPublishPerSecond / RawPublishPerSecond;

    public double ConsumeRatio => ShoalConsumePerSecond / RawConsumePerSecond;
}

/// <summary>
/// Publish and consume N events through Shoal's NATS engine (<see cref="IEventLog.AppendAsync"/> in batches of the
/// window, <see cref="IEventLog.ReadAsync"/> from offset 0) and through the raw NATS.Net JetStream client (a window of
/// concurrent <c>PublishAsync</c> calls with <c>Nats-Msg-Id</c>; a pull consumer without acks), alternating, on streams
/// of the same configuration on the same servers. The median of the rounds is reported.
/// </summary>
internal static class NatsBench
{
    public static async Task<NatsBenchResult> RunAsync(string setup, IReadOnlyList<string> urls, int replicas, NatsBenchSettings settings, CancellationToken cancellationToken)
    {
        var options = new NatsEngineOptions
        {
            Connection = new NatsConnectionOptions { Urls = urls },
            DefaultReplicas = replicas,
            CoordinationReplicas = replicas,
            PublishWindow = settings.Window,
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
        var rawConsume = new List<double>();
        var rawConsumeShoal = new List<double>();
        for (var round = 0; round < settings.Rounds; round++)
        {
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
            if (round % 2 == 0)
            {
                shoalPublish.Add(await ShoalPublishAsync(engine, topic, payload, settings, cancellationToken));
                rawPublish.Add(await RawPublishAsync(js, $"benchraw.{topic}", payload, settings, cancellationToken));
                shoalConsume.Add(await ShoalConsumeAsync(engine, topic, settings, cancellationToken));
                rawConsume.Add(await RawConsumeAsync(js, stream, settings, cancellationToken));
            }
            else
            {
                rawPublish.Add(await RawPublishAsync(js, $"benchraw.{topic}", payload, settings, cancellationToken));
                shoalPublish.Add(await ShoalPublishAsync(engine, topic, payload, settings, cancellationToken));
                rawConsume.Add(await RawConsumeAsync(js, stream, settings, cancellationToken));
                shoalConsume.Add(await ShoalConsumeAsync(engine, topic, settings, cancellationToken));
            }

            rawConsumeShoal.Add(await RawConsumeAsync(js, $"SHOAL_{topic}_0", settings, cancellationToken));
            await js.DeleteStreamAsync(stream, cancellationToken);
        }

        return new NatsBenchResult(setup, Median(shoalPublish), Median(rawPublish), Median(shoalConsume), Median(rawConsume), Median(rawConsumeShoal));
    }

    private static async Task<double> ShoalPublishAsync(IShoalEngine engine, string topic, byte[] payload, NatsBenchSettings settings, CancellationToken cancellationToken)
    {
        var batch = new EventEnvelope[settings.Window];
        var results = new AppendedEvent[settings.Window];
        var clock = Stopwatch.StartNew();
        for (var sent = 0; sent < settings.Events; sent += batch.Length)
        {
            var count = Math.Min(batch.Length, settings.Events - sent);
            for (var i = 0; i < count; i++)
            {
                var id = $"e-{sent + i}";
                batch[i] = new EventEnvelope(id, topic, $"key-{(sent + i) % 1000}", "bench", payload) { Deduplicate = true };
            }

            await engine.Log.AppendAsync(topic, 0, batch.AsMemory(0, count), results, cancellationToken);
        }

        return settings.Events / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> RawPublishAsync(NatsJSContext js, string subject, byte[] payload, NatsBenchSettings settings, CancellationToken cancellationToken)
    {
        var window = new Task<PubAckResponse>[settings.Window];
        var clock = Stopwatch.StartNew();
        for (var sent = 0; sent < settings.Events; sent += window.Length)
        {
            var count = Math.Min(window.Length, settings.Events - sent);
            for (var i = 0; i < count; i++)
            {
                window[i] = js.PublishAsync(subject, payload, opts: new NatsJSPubOpts { MsgId = $"e-{sent + i}" }, cancellationToken: cancellationToken).AsTask();
            }

            for (var i = 0; i < count; i++)
            {
                (await window[i]).EnsureSuccess();
            }
        }

        return settings.Events / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> ShoalConsumeAsync(IShoalEngine engine, string topic, NatsBenchSettings settings, CancellationToken cancellationToken)
    {
        var buffer = new EventEnvelope[settings.Window];
        long next = 0;
        var clock = Stopwatch.StartNew();
        while (next < settings.Events)
        {
            var read = await engine.Log.ReadAsync(topic, 0, next, buffer, cancellationToken);
            next = buffer[read - 1].Offset + 1;
        }

        return settings.Events / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> RawConsumeAsync(NatsJSContext js, string stream, NatsBenchSettings settings, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var consumer = await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig { AckPolicy = ConsumerConfigAckPolicy.None, DeliverPolicy = ConsumerConfigDeliverPolicy.All }, cancellationToken);
        var received = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await foreach (var msg in consumer.ConsumeAsync(NatsRawSerializer<byte[]>.Default, new NatsJSConsumeOpts { MaxMsgs = settings.Window }, stop.Token))
        {
            _ = msg.Data;
            if (++received >= settings.Events)
            {
                break;
            }
        }

        var rate = settings.Events / clock.Elapsed.TotalSeconds;
        await js.DeleteConsumerAsync(stream, consumer.Info.Name, cancellationToken);
        return rate;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    public static string Format(NatsBenchResult r)
    {
        var text = new StringBuilder();
        text.AppendLine(FormattableString.Invariant($"{r.Setup}: publish shoal {r.ShoalPublishPerSecond,10:N0}/s  raw {r.RawPublishPerSecond,10:N0}/s  ratio {r.PublishRatio:0.00}x {(r.PublishRatio >= 0.8 ? "(target 0.8x met)" : "(target 0.8x MISSED)")}"));
        text.AppendLine(FormattableString.Invariant($"{r.Setup}: (raw pull consumer on Shoal's stream, same headers: {r.RawConsumeShoalStreamPerSecond:N0}/s)"));
        text.Append(FormattableString.Invariant($"{r.Setup}: consume shoal {r.ShoalConsumePerSecond,10:N0}/s  raw {r.RawConsumePerSecond,10:N0}/s  ratio {r.ConsumeRatio:0.00}x {(r.ConsumeRatio >= 0.8 ? "(target 0.8x met)" : "(target 0.8x MISSED)")}"));
        return text.ToString();
    }
}
