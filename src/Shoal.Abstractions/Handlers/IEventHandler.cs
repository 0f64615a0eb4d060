namespace Shoal;

/// <summary>
/// Handles events of one type for a group. Events with the same key reach a handler one at a time, in
/// offset order; events with different keys may run concurrently. Delivery is at-least-once: use
/// <see cref="EventContext.Id"/> to de-duplicate effects and <see cref="EventContext.Attempt"/> to see retries.
/// </summary>
/// <typeparam name="TEvent">The event type, registered in the event-type registry.</typeparam>
public interface IEventHandler<in TEvent>
{
    /// <summary>
    /// Handles one event. Throwing means failure: the event is retried with backoff, then dead-lettered.
    /// <paramref name="cancellationToken"/> fires on handler timeout or when a stop's drain deadline passes.
    /// </summary>
    ValueTask HandleAsync(TEvent @event, EventContext context, CancellationToken cancellationToken);
}
