using Shoal;

namespace Shoal.Samples.Server;

/// <summary>Handles <see cref="OrderPlaced"/> for the billing group, in the same process as the server.</summary>
internal sealed partial class OrderPlacedHandler(ILogger<OrderPlacedHandler> logger) : IEventHandler<OrderPlaced>
{
    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken)
    {
        LogBilled(logger, @event.OrderId, @event.CustomerId, @event.Amount, context.Partition, context.Offset);
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(1, LogLevel.Information, "Billed order {OrderId} of {CustomerId}: {Amount} (partition {Partition}, offset {Offset})")]
    private static partial void LogBilled(ILogger logger, string orderId, string customerId, decimal amount, int partition, long offset);
}
