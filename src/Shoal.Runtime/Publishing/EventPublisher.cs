using System.Buffers;
using System.Collections.Concurrent;
using Shoal.Diagnostics;
using Shoal.Engine;
using Shoal.Partitioning;
using Shoal.Processing;
using Shoal.Serialization;

namespace Shoal.Publishing;

/// <summary>
/// Serializes, partitions and appends events. Every event of a batch is checked against <see cref="EventRules"/> before
/// any partition's append starts, so a batch that breaks a rule stores nothing. Ids are generated as <c>{64 random bits}-{counter}</c> (hex),
/// the random part drawn once from the injected (seeded) random source and mixed with the injected clock's time at
/// creation, so ids are unique across restarts and reproducible in simulation.
/// </summary>
internal sealed class EventPublisher : IEventPublisher
{
    private const int MaxSpares = 8;

    private readonly IShoalEngine _engine;
    private readonly EventTypeRegistry _types;
    private readonly EventSerializers _serializers;
    private readonly IReadOnlyDictionary<string, TopicOptions> _configured;
    private readonly TimeProvider _time;
    private readonly IUnkeyedPartitioner _unkeyed;
    private readonly ConcurrentDictionary<string, TopicInfo> _topics = new(StringComparer.Ordinal);
    private readonly Stack<PublishScratch> _spares = new();
    private readonly EventIdSequence _ids;
    private readonly EngineTrouble? _engineTrouble;

    public EventPublisher(IShoalEngine engine, EventTypeRegistry types, EventSerializers serializers, IReadOnlyDictionary<string, TopicOptions> configured, PublisherOptions options, TimeProvider time, Random random, EngineTrouble? engineTrouble = null)
    {
        _engine = engine;
        _types = types;
        _serializers = serializers;
        _configured = configured;
        _time = time;
        _engineTrouble = engineTrouble;
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
        _ids = new EventIdSequence(prefix);
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
        var scratch = RentScratch(count, info.Partitions);
        try
        {
            // All payloads go back to back into one reused buffer (the engine copies what it keeps).
            var payloads = scratch.Payloads;
            var ends = scratch.Ends;
            for (var i = 0; i < count; i++)
            {
                serializer.Serialize(payloads, events[i].Event);
                ends[i] = payloads.WrittenCount;
            }

            var written = payloads.WrittenMemory;
            using var activity = StartPublishActivity(topic, count);
            var trace = TraceContext.Current();
            for (var i = 0; i < count; i++)
            {
                var outgoing = events[i];
                var begin = i == 0 ? 0 : ends[i - 1];
                scratch.Envelopes[i] = Envelope(topic, outgoing.Id, outgoing.Key, type.Name, written[begin..ends[i]], serializer.ContentType, outgoing.Headers, trace, now);
            }

            EventRules.Validate(scratch.Envelopes.AsSpan(0, count));
            return await AppendAsync(topic, info.Partitions, scratch, count, cancellationToken);
        }
        finally
        {
            ReturnScratch(scratch, count);
        }
    }

    public async ValueTask<PublishResult[]> PublishBatchAsync(string topic, IReadOnlyList<OutgoingEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return [];
        }

        var info = await GetTopicAsync(topic, cancellationToken);
        var now = _time.GetUtcNow();
        var count = events.Count;
        var scratch = RentScratch(count, info.Partitions);
        try
        {
            // As the one-type batch, but each event's type, serializer and content type are its own.
            var payloads = scratch.Payloads;
            var ends = scratch.Ends;
            var kinds = scratch.Kinds;
            for (var i = 0; i < count; i++)
            {
                var value = events[i].Event ?? throw new ShoalConfigurationException($"events[{i}].Event", "must not be null.");
                if (!_types.TryGetWriter(value.GetType(), out var type, out var write))
                {
                    var name = value.GetType().Name;
                    throw new ShoalConfigurationException($"events[{i}].Event",
                        $"event type {name} is not registered; register it with AddEventType<{name}>() (a batch's events are looked up by their runtime type).");
                }

                var serializer = _serializers.Get(type.Format ?? info.Format);
                write(serializer, payloads, value);
                ends[i] = payloads.WrittenCount;
                kinds[i] = (type.Name, serializer.ContentType);
            }

            var written = payloads.WrittenMemory;
            using var activity = StartPublishActivity(topic, count);
            var trace = TraceContext.Current();
            for (var i = 0; i < count; i++)
            {
                var outgoing = events[i];
                var begin = i == 0 ? 0 : ends[i - 1];
                scratch.Envelopes[i] = Envelope(topic, outgoing.Id, outgoing.Key, kinds[i].Type, written[begin..ends[i]], kinds[i].ContentType, outgoing.Headers, trace, now);
            }

            EventRules.Validate(scratch.Envelopes.AsSpan(0, count));
            return await AppendAsync(topic, info.Partitions, scratch, count, cancellationToken);
        }
        finally
        {
            ReturnScratch(scratch, count);
        }
    }

    public async ValueTask<PublishResult[]> PublishSerializedBatchAsync(string topic, IReadOnlyList<SerializedEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return [];
        }

        var info = await GetTopicAsync(topic, cancellationToken);
        var now = _time.GetUtcNow();
        var count = events.Count;
        var scratch = RentScratch(count, info.Partitions);
        try
        {
            using var activity = StartPublishActivity(topic, count);
            var trace = TraceContext.Current();
            for (var i = 0; i < count; i++)
            {
                var serialized = events[i];
                if (string.IsNullOrEmpty(serialized.Type))
                {
                    throw new ShoalConfigurationException($"events[{i}].Type", "must name the event type.");
                }

                scratch.Envelopes[i] = Envelope(
                    topic, serialized.Id, serialized.Key, serialized.Type, serialized.Payload, serialized.ContentType ?? ContentTypes.Json, serialized.Headers, trace, now);
            }

            EventRules.Validate(scratch.Envelopes.AsSpan(0, count));
            return await AppendAsync(topic, info.Partitions, scratch, count, cancellationToken);
        }
        finally
        {
            ReturnScratch(scratch, count);
        }
    }

    /// <summary>
    /// One event as appended: a generated id when none is given (and then no de-duplication), the current trace
    /// context added unless the event carries its own. A generated id stays a number until someone reads it.
    /// </summary>
    private EventEnvelope Envelope(
        string topic, string? id, string? key, string type, ReadOnlyMemory<byte> payload, string contentType,
        IReadOnlyDictionary<string, string>? headers, (string? Parent, string? State) trace, DateTimeOffset now) =>
        (id is null ? new EventEnvelope(_ids, topic, key, type, payload) : new EventEnvelope(id, topic, key, type, payload)) with
        {
            ContentType = contentType,
            Headers = TraceContext.Inject(headers, trace),
            Timestamp = now,
            Deduplicate = id is not null,
        };

    /// <summary>
    /// Partitions the prepared envelopes, orders them by partition (counting sort) so each partition gets one append,
    /// appends, and returns the results in the batch's order.
    /// </summary>
    private async ValueTask<PublishResult[]> AppendAsync(string topic, int partitions, PublishScratch scratch, int count, CancellationToken cancellationToken)
    {
        var starts = scratch.Starts;
        for (var i = 0; i < count; i++)
        {
            ref readonly var envelope = ref scratch.Envelopes[i];
            var partition = envelope.Key is { } key ? KeyHasher.PartitionFor(key, partitions)
                : envelope.Deduplicate ? KeyHasher.PartitionFor(envelope.Id, partitions) // a retry meets its original
                : _unkeyed.NextPartition(partitions);
            scratch.PartitionOf[i] = partition;
            starts[partition + 1]++;
        }

        for (var p = 0; p < partitions; p++)
        {
            starts[p + 1] += starts[p];
        }

        var fill = scratch.Fill;
        Array.Copy(starts, fill, partitions + 1);
        for (var i = 0; i < count; i++)
        {
            var position = fill[scratch.PartitionOf[i]]++;
            scratch.Sorted[position] = scratch.Envelopes[i];
            scratch.Order[position] = i;
        }

        await AppendAllAsync(topic, partitions, scratch, cancellationToken);

        var results = new PublishResult[count];
        long stored = 0;
        for (var position = 0; position < count; position++)
        {
            var i = scratch.Order[position];
            var outcome = scratch.Appended[position];
            results[i] = new PublishResult(scratch.Envelopes[i], scratch.PartitionOf[i], outcome.Offset, outcome.Duplicate);
            stored += outcome.Duplicate ? 0 : 1;
        }

        if (Telemetry.Published.Enabled)
        {
            Telemetry.Published.Add(stored, Telemetry.TopicTag(topic));
        }

        return results;
    }

    private static System.Diagnostics.Activity? StartPublishActivity(string topic, int count)
    {
        if (!Telemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        var activity = Telemetry.ActivitySource.StartActivity("shoal.publish", System.Diagnostics.ActivityKind.Producer);
        activity?.SetTag("messaging.destination.name", topic);
        activity?.SetTag("messaging.batch.message_count", count);
        return activity;
    }

    private PublishScratch RentScratch(int count, int partitions)
    {
        PublishScratch? scratch = null;
        lock (_spares)
        {
            _spares.TryPop(out scratch);
        }

        scratch ??= new PublishScratch();
        scratch.Prepare(count, partitions);
        return scratch;
    }

    private void ReturnScratch(PublishScratch scratch, int count)
    {
        scratch.Clear(count);
        lock (_spares)
        {
            if (_spares.Count < MaxSpares)
            {
                _spares.Push(scratch);
            }
        }
    }

    /// <summary>
    /// Starts every partition's append before awaiting any, so an engine that acknowledges only once events are on
    /// disk (file://, flush before acknowledging) flushes the partitions in parallel instead of one after another.
    /// Appends that complete at once (the in-process engine) cost nothing extra. Every started append is awaited;
    /// the first failure is rethrown after that.
    /// </summary>
    private async ValueTask AppendAllAsync(string topic, int partitions, PublishScratch scratch, CancellationToken cancellationToken)
    {
        var starts = scratch.Starts;
        var pending = scratch.Pending;
        var started = 0;
        Exception? failure = null;
        for (var p = 0; p < partitions && failure is null; p++)
        {
            var length = starts[p + 1] - starts[p];
            if (length == 0)
            {
                continue;
            }

            try
            {
                var append = _engine.Log.AppendAsync(topic, p, scratch.Sorted.AsMemory(starts[p], length), scratch.Appended.AsMemory(starts[p], length), cancellationToken);
                if (append.IsCompletedSuccessfully)
                {
                    append.GetAwaiter().GetResult();
                }
                else
                {
                    pending[started++] = append;
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        }

        for (var i = 0; i < started; i++)
        {
            try
            {
                await pending[i];
            }
            catch (Exception e)
            {
                failure ??= e;
            }
        }

        if (failure is not null)
        {
            _engineTrouble?.Observe(failure);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
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
