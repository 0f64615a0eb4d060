namespace Shoal.Processing;

/// <summary>The work done for one event once the dispatcher lets it run.</summary>
internal interface IEventProcessor
{
    /// <summary>
    /// Brings one event to a final outcome: handled, dead-lettered, or ignored (no handler in this group).
    /// Retries happen inside. Throws only <see cref="OperationCanceledException"/> when the partition stops hard, or
    /// when it stops starting events while the event waits for its next retry; then the event is not done and will be
    /// redelivered.
    /// </summary>
    ValueTask ProcessAsync(EventEnvelope envelope, HandlerSlot slot);
}
