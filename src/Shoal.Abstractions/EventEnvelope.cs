namespace Shoal;

/// <summary>
/// One event as it travels through Shoal: what the producer wrote (id, topic, key, type, content type,
/// headers, payload, timestamp) and, once appended, where it lives (partition and offset).
/// </summary>
/// <remarks>
/// A small immutable struct so the engine can keep events in arrays and the runtime can pass them
/// without allocating. <see cref="Partition"/> and <see cref="Offset"/> are -1 until the engine stores the event.
/// </remarks>
public readonly record struct EventEnvelope
{
    /// <summary>Creates an envelope that has not been stored yet.</summary>
    public EventEnvelope(string id, string topic, string? key, string type, ReadOnlyMemory<byte> payload)
    {
        Id = id;
        Topic = topic;
        Key = key;
        Type = type;
        Payload = payload;
        ContentType = ContentTypes.Json;
        Partition = -1;
        Offset = -1;
    }

    /// <summary>Producer-assigned unique id; engines de-duplicate a repeated id within the topic's window.</summary>
    public string Id { get; init; }

    /// <summary>The topic the event belongs to.</summary>
    public string Topic { get; init; }

    /// <summary>The ordering key; events with the same key are handled one at a time in offset order. Null for unkeyed events.</summary>
    public string? Key { get; init; }

    /// <summary>The registered event-type name (not a CLR type name unless registered so).</summary>
    public string Type { get; init; }

    /// <summary>The payload encoding, one of <see cref="ContentTypes"/>.</summary>
    public string ContentType { get; init; }

    /// <summary>Application headers (trace context travels here). Null when there are none.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The serialized event.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>When the producer created the event.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>
    /// Asks the engine to skip this event when an event with the same <see cref="Id"/> that also asked for it was
    /// appended to the topic within the de-duplication window. The publisher sets it for ids the producer chose;
    /// ids Shoal generates are unique by construction and skip the (costly) de-duplication index.
    /// On NATS this is the <c>Nats-Msg-Id</c> header.
    /// </summary>
    public bool Deduplicate { get; init; }

    /// <summary>The partition, or -1 before the event is stored.</summary>
    public int Partition { get; init; }

    /// <summary>The dense per-partition offset (0, 1, 2, …), or -1 before the event is stored.</summary>
    public long Offset { get; init; }
}
