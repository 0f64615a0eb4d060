namespace Shoal.Samples.Server;

/// <summary>The event: an order was placed. Posted as JSON to /shoal/v1/topics/orders/events with type "order-placed".</summary>
public sealed record OrderPlaced(string OrderId, string CustomerId, decimal Amount);
