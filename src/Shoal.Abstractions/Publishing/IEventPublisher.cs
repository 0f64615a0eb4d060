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
    /// Publishes a batch whose events may be of several registered types (each <see cref="OutgoingEvent.Event"/>'s
    /// runtime type), with the same partitioning, ids, de-duplication and per-partition atomicity as
    /// <see cref="PublishBatchAsync{TEvent}"/>; results are in the batch's order. Events of one key keep the batch's
    /// order whatever their types, so a producer with two types publishes one batch instead of awaiting one per type.
    /// </summary>
    /// <exception cref="TopicNotFoundException">The topic does not exist.</exception>
    /// <exception cref="ShoalConfigurationException">An event is null or its type is not registered (nothing is stored).</exception>
    /// <exception cref="EventTooLargeException">An event exceeds the engine's size limit.</exception>
    ValueTask<PublishResult[]> PublishBatchAsync(string topic, IReadOnlyList<OutgoingEvent> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes events whose payloads are already serialized (by a gateway such as the HTTP server, or another
    /// language's producer), with the same partitioning, ids, de-duplication and per-partition atomicity as
    /// <see cref="PublishBatchAsync{TEvent}"/>. The type name is not checked against the registry: a group that does
    /// not know it dead-letters the event as <c>unknown-type</c>.
    /// </summary>
    ValueTask<PublishResult[]> PublishSerializedBatchAsync(string topic, IReadOnlyList<SerializedEvent> events, CancellationToken cancellationToken = default);
}
