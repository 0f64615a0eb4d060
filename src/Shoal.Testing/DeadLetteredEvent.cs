namespace Shoal.Testing;

/// <summary>An event in a group's dead-letter topic, as <see cref="ShoalTestHost.GetDeadLettersAsync"/> lists it.</summary>
public sealed record DeadLetteredEvent
{
    /// <summary>The group that gave up on the event.</summary>
    public required string Group { get; init; }

    /// <summary>The event id.</summary>
    public required string Id { get; init; }

    /// <summary>The ordering key, or null.</summary>
    public required string? Key { get; init; }

    /// <summary>The registered event-type name.</summary>
    public required string Type { get; init; }

    /// <summary>
    /// The event deserialized as its registered type, or null when that is impossible (an unknown type, a malformed
    /// payload: see <see cref="Reason"/>).
    /// </summary>
    public required object? Event { get; init; }

    /// <summary>The serialized event.</summary>
    public required ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>
    /// Why: <c>handler-failed</c>, <c>malformed-payload</c>, <c>unknown-type</c>, <c>wrong-partition</c>, or
    /// <c>parked</c> for an event held behind a parked key (<see cref="ShoalHeaders.Reasons"/>).
    /// </summary>
    public required string Reason { get; init; }

    /// <summary>The last error's message, or null (an event held behind a parked key has none).</summary>
    public required string? Error { get; init; }

    /// <summary>The handler attempts made (0 when the handler was not called).</summary>
    public required int Attempts { get; init; }

    /// <summary>The partition of the source topic the event was read from.</summary>
    public required int Partition { get; init; }

    /// <summary>The event's offset in the source topic.</summary>
    public required long Offset { get; init; }

    /// <summary>Every header of the dead-letter record, the event's own and Shoal's (<see cref="ShoalHeaders"/>).</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }
}
