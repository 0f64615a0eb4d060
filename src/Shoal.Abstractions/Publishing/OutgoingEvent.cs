namespace Shoal;

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

/// <summary>
/// An event of any registered type, for a batch that mixes types
/// (<see cref="IEventPublisher.PublishBatchAsync(string, IReadOnlyList{OutgoingEvent}, CancellationToken)"/>):
/// the event, its ordering key (null for none), and optionally its id and headers. The event's type is its runtime
/// type (<c>Event.GetType()</c>), which must be registered as it is (a registered base type does not cover it).
/// </summary>
/// <param name="Key">The ordering key; null spreads the event by the unkeyed partitioner.</param>
/// <param name="Event">The event; not null.</param>
public readonly record struct OutgoingEvent(string? Key, object Event)
{
    /// <summary>The event id; a unique id is generated when null. Give your own to make retries de-duplicate.</summary>
    public string? Id { get; init; }

    /// <summary>Application headers (trace context and the like).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}
