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
