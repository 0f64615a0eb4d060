namespace Shoal.Samples.Worker;

/// <summary>The event: an order was placed.</summary>
public sealed record OrderPlaced(string OrderId, string CustomerId, decimal Amount);
