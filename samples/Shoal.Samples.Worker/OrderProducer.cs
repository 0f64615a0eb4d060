using Shoal;

namespace Shoal.Samples.Worker;

/// <summary>Publishes a few hundred orders, keyed by customer so each customer's orders are handled in order, then idles.</summary>
internal sealed partial class OrderProducer(IEventPublisher publisher, ILogger<OrderProducer> logger) : BackgroundService
{
    private const int Orders = 300;
    private const int Customers = 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var i = 0; i < Orders && !stoppingToken.IsCancellationRequested; i++)
        {
            var customer = $"customer-{i % Customers}";
            var order = new OrderPlaced($"order-{i}", customer, 10m + (i % 7));
            // The order id doubles as the event id, so a retried publish is de-duplicated by the engine.
            await publisher.PublishAsync("orders", new OutgoingEvent<OrderPlaced>(customer, order) { Id = order.OrderId }, stoppingToken);
        }

        LogPublished(logger, Orders, Customers);
    }

    [LoggerMessage(1, LogLevel.Information, "Published {Orders} orders for {Customers} customers; press Ctrl-C to stop")]
    private static partial void LogPublished(ILogger logger, int orders, int customers);
}
