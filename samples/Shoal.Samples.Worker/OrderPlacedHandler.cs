using Shoal;

namespace Shoal.Samples.Worker;

/// <summary>
/// Handles <see cref="OrderPlaced"/> for the billing group. Registered scoped (the default of AddHandler): every event
/// gets its own DI scope, so scoped dependencies (a DbContext, say) are fresh per event. Orders of one customer
/// (the key) arrive one at a time, in order; different customers run concurrently.
/// </summary>
internal sealed partial class OrderPlacedHandler(ILogger<OrderPlacedHandler> logger) : IEventHandler<OrderPlaced>
{
    public async ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken); // pretend to charge a card
        LogBilled(logger, @event.OrderId, @event.CustomerId, @event.Amount, context.Partition, context.Offset);
    }

    [LoggerMessage(1, LogLevel.Information, "Billed order {OrderId} of {CustomerId}: {Amount} (partition {Partition}, offset {Offset})")]
    private static partial void LogBilled(ILogger logger, string orderId, string customerId, decimal amount, int partition, long offset);
}
