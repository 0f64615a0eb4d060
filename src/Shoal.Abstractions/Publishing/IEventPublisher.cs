namespace Shoal;

/// <summary>
/// Publishes typed events to topics. Keyed events go to the partition of their key's hash. Unkeyed events (key null:
/// <see cref="EventPublisherExtensions.PublishUnkeyedAsync"/>, or an <see cref="OutgoingEvent{TEvent}"/> with a null key)
/// are spread by the publisher's unkeyed partitioning (round-robin, sticky or random; see <c>PublisherOptions</c> in Shoal.Runtime), except that an unkeyed event with an id
/// of your own goes to the partition of its id's hash, so a retry meets its original (de-duplication is per
/// partition). Thread-safe.
/// </summary>
public interface IEventPublisher
{
    /// <summary>Serializes and appends one event; returns where it was stored (or, for a repeated id, where the original is).</summary>
    /// <exception cref="TopicNotFoundException">The topic does not exist.</exception>
    /// <exception cref="ShoalConfigurationException">The event type is not registered.</exception>
    /// <exception cref="EventTooLargeException">The event exceeds the engine's size limit.</exception>
    ValueTask<PublishResult> PublishAsync<TEvent>(string topic, OutgoingEvent<TEvent> @event, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes a batch; results are in the batch's order. The batch is appended per partition, each partition's
    /// part all or nothing. If an append fails, retry the same batch with the same ids: de-duplication makes it safe.
    /// </summary>
    ValueTask<PublishResult[]> PublishBatchAsync<TEvent>(string topic, IReadOnlyList<OutgoingEvent<TEvent>> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes events whose payloads are already serialized (by a gateway such as the HTTP server, or another
    /// language's producer), with the same partitioning, ids, de-duplication and per-partition atomicity as
    /// <see cref="PublishBatchAsync{TEvent}"/>. The type name is not checked against the registry: a group that does
    /// not know it dead-letters the event as <c>unknown-type</c>.
    /// </summary>
    ValueTask<PublishResult[]> PublishSerializedBatchAsync(string topic, IReadOnlyList<SerializedEvent> events, CancellationToken cancellationToken = default);
}

/// <summary>An event whose payload is already serialized.</summary>
/// <param name="Key">The ordering key; null spreads the event by the unkeyed partitioner.</param>
/// <param name="Type">The registered event-type name handlers know it by.</param>
/// <param name="Payload">The serialized event, in <see cref="ContentType"/>.</param>
public readonly record struct SerializedEvent(string? Key, string Type, ReadOnlyMemory<byte> Payload)
{
    /// <summary>The event id; a unique id is generated when null. Give your own to make retries de-duplicate.</summary>
    public string? Id { get; init; }

    /// <summary>Application headers (trace context and the like).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The payload's encoding, one of <see cref="ContentTypes"/>. Null means JSON.</summary>
    public string? ContentType { get; init; }
}

/// <summary>An event to publish: the event, its ordering key (null for none), and optionally its id and headers.</summary>
/// <param name="Key">The ordering key; null spreads the event by the unkeyed partitioner.</param>
/// <param name="Event">The event.</param>
public readonly record struct OutgoingEvent<TEvent>(string? Key, TEvent Event)
{
    /// <summary>The event id; a unique id is generated when null. Give your own to make retries de-duplicate.</summary>
    public string? Id { get; init; }

    /// <summary>Application headers (trace context and the like).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}

/// <summary>Where an event went.</summary>
/// <param name="Id">The event id (generated or given).</param>
/// <param name="Partition">The partition.</param>
/// <param name="Offset">The offset (for a duplicate, the original's offset, or -1 if no longer known).</param>
/// <param name="Duplicate">True when the id was already published within the de-duplication window and nothing was stored.</param>
public readonly record struct PublishResult(string Id, int Partition, long Offset, bool Duplicate);

/// <summary>Shorthands for <see cref="IEventPublisher"/>.</summary>
public static class EventPublisherExtensions
{
    /// <summary>Publishes one event with a key (null for none).</summary>
    public static ValueTask<PublishResult> PublishAsync<TEvent>(this IEventPublisher publisher, string topic, string? key, TEvent @event, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return publisher.PublishAsync(topic, new OutgoingEvent<TEvent>(key, @event), cancellationToken);
    }

    /// <summary>
    /// Publishes one event without a key: it has no order relative to other events, and goes to the partition the
    /// publisher's unkeyed partitioning picks — or, when <paramref name="id"/> is given, to
    /// the partition of the id's hash, so that publishing it again with the same id is de-duplicated.
    /// </summary>
    public static ValueTask<PublishResult> PublishUnkeyedAsync<TEvent>(this IEventPublisher publisher, string topic, TEvent @event, string? id = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return publisher.PublishAsync(topic, new OutgoingEvent<TEvent>(null, @event) { Id = id }, cancellationToken);
    }
}
