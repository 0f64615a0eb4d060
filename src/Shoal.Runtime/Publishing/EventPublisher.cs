using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using Shoal.Diagnostics;
using Shoal.Engine;
using Shoal.Partitioning;
using Shoal.Serialization;

namespace Shoal.Publishing;

/// <summary>
/// Serializes, partitions and appends events. Ids are generated as <c>{64 random bits}-{counter}</c> (hex),
/// the random part drawn once from the injected (seeded) random source and mixed with the injected clock's time at
/// creation, so ids are unique across restarts and reproducible in simulation.
/// </summary>
internal sealed class EventPublisher : IEventPublisher
{
    private readonly IShoalEngine _engine;
    private readonly EventTypeRegistry _types;
    private readonly EventSerializers _serializers;
    private readonly IReadOnlyDictionary<string, TopicOptions> _configured;
    private readonly TimeProvider _time;
    private readonly IUnkeyedPartitioner _unkeyed;
    private readonly ConcurrentDictionary<string, TopicInfo> _topics = new(StringComparer.Ordinal);
    private readonly string _idPrefix;
    private long _idCounter;

    public EventPublisher(IShoalEngine engine, EventTypeRegistry types, EventSerializers serializers, IReadOnlyDictionary<string, TopicOptions> configured, PublisherOptions options, TimeProvider time, Random random)
    {
        _engine = engine;
        _types = types;
        _serializers = serializers;
        _configured = configured;
        _time = time;
        _unkeyed = UnkeyedPartitioners.Create(options.Unkeyed, random, options.StickyBatchSize);
        long prefix;
        lock (random)
        {
            prefix = random.NextInt64();
        }

        // Mix in the injected clock's start time: with a fixed RandomSeed alone, a restarted publisher would repeat
        // the previous one's ids and the engine would silently drop its events as duplicates. Still reproducible in
        // simulation, where time is fake too.
        prefix ^= time.GetUtcNow().UtcTicks * unchecked((long)0x9E3779B97F4A7C15);
        _idPrefix = prefix.ToString("x16", CultureInfo.InvariantCulture);
    }

    public async ValueTask<PublishResult> PublishAsync<TEvent>(string topic, OutgoingEvent<TEvent> @event, CancellationToken cancellationToken = default)
    {
        var results = await PublishBatchAsync(topic, [@event], cancellationToken);
        return results[0];
    }

    public async ValueTask<PublishResult[]> PublishBatchAsync<TEvent>(string topic, IReadOnlyList<OutgoingEvent<TEvent>> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return [];
        }

        var info = await GetTopicAsync(topic, cancellationToken);
        var type = _types.Get<TEvent>();
        var serializer = _serializers.Get(type.Format ?? info.Format);
        var now = _time.GetUtcNow();
        var count = events.Count;

        // Serialize and partition, then order by partition (counting sort) so each partition gets one append.
        var envelopes = ArrayPool<EventEnvelope>.Shared.Rent(count);
        var partitionOf = ArrayPool<int>.Shared.Rent(count);
        var appended = ArrayPool<AppendedEvent>.Shared.Rent(count);
        var order = ArrayPool<int>.Shared.Rent(count);
        var starts = new int[info.Partitions + 1];
        try
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            for (var i = 0; i < count; i++)
            {
                var outgoing = events[i];
                buffer.ResetWrittenCount();
                serializer.Serialize(buffer, outgoing.Event);
                var partition = outgoing.Key is null
                    ? _unkeyed.NextPartition(info.Partitions)
                    : KeyHasher.PartitionFor(outgoing.Key, info.Partitions);
                partitionOf[i] = partition;
                starts[partition + 1]++;
                envelopes[i] = new EventEnvelope(outgoing.Id ?? NextId(), topic, outgoing.Key, type.Name, buffer.WrittenSpan.ToArray())
                {
                    ContentType = serializer.ContentType,
                    Headers = outgoing.Headers,
                    Timestamp = now,
                };
            }

            for (var p = 0; p < info.Partitions; p++)
            {
                starts[p + 1] += starts[p];
            }

            var sorted = ArrayPool<EventEnvelope>.Shared.Rent(count);
            try
            {
                var fill = (int[])starts.Clone();
                for (var i = 0; i < count; i++)
                {
                    var position = fill[partitionOf[i]]++;
                    sorted[position] = envelopes[i];
                    order[position] = i;
                }

                for (var p = 0; p < info.Partitions; p++)
                {
                    var length = starts[p + 1] - starts[p];
                    if (length > 0)
                    {
                        await _engine.Log.AppendAsync(topic, p, sorted.AsMemory(starts[p], length), appended.AsMemory(starts[p], length), cancellationToken);
                    }
                }
            }
            finally
            {
                ArrayPool<EventEnvelope>.Shared.Return(sorted, clearArray: true);
            }

            var results = new PublishResult[count];
            long stored = 0;
            for (var position = 0; position < count; position++)
            {
                var i = order[position];
                var outcome = appended[position];
                results[i] = new PublishResult(envelopes[i].Id, partitionOf[i], outcome.Offset, outcome.Duplicate);
                stored += outcome.Duplicate ? 0 : 1;
            }

            if (Telemetry.Published.Enabled)
            {
                Telemetry.Published.Add(stored, Telemetry.TopicTag(topic));
            }

            return results;
        }
        finally
        {
            ArrayPool<EventEnvelope>.Shared.Return(envelopes, clearArray: true);
            ArrayPool<int>.Shared.Return(partitionOf);
            ArrayPool<AppendedEvent>.Shared.Return(appended);
            ArrayPool<int>.Shared.Return(order);
        }
    }

    private string NextId()
    {
        var n = Interlocked.Increment(ref _idCounter);
        return string.Create(33, (_idPrefix, n), static (span, state) =>
        {
            state._idPrefix.AsSpan().CopyTo(span);
            span[16] = '-';
            state.n.TryFormat(span[17..], out _, "x16", CultureInfo.InvariantCulture);
        });
    }

    private async ValueTask<TopicInfo> GetTopicAsync(string topic, CancellationToken cancellationToken)
    {
        if (_topics.TryGetValue(topic, out var info))
        {
            return info;
        }

        var description = await _engine.Log.DescribeTopicAsync(topic, cancellationToken) ?? throw new TopicNotFoundException(topic);
        var format = _configured.TryGetValue(topic, out var configured) ? configured.Format : description.Options.Format;
        info = new TopicInfo(description.Partitions, format);
        _topics[topic] = info;
        return info;
    }

    private sealed record TopicInfo(int Partitions, SerializationFormat Format);
}
