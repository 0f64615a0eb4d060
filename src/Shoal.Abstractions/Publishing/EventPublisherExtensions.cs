namespace Shoal;

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
