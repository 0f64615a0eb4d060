namespace Shoal;

/// <summary>An event whose payload is already serialized.</summary>
/// <param name="Key">The ordering key; null spreads the event by the unkeyed partitioner.</param>
/// <param name="Type">The registered event-type name handlers know it by.</param>
/// <param name="Payload">The serialized event, in <see cref="ContentType"/>.</param>
public readonly record struct SerializedEvent(string? Key, string Type, ReadOnlyMemory<byte> Payload)
{
    /// <summary>The event id; a unique id is generated when null. Give your own to make retries de-duplicate.</summary>
    public string? Id { get; init; }

    /// <summary>Application headers (trace context and the like).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The payload's encoding, one of <see cref="ContentTypes"/>. Null means JSON.</summary>
    public string? ContentType { get; init; }
}
