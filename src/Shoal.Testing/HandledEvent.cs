namespace Shoal.Testing;

/// <summary>One handler call that succeeded, as <see cref="ShoalTestHost.Handled(string)"/> lists it.</summary>
public sealed record HandledEvent
{
    /// <summary>The group whose handler was called.</summary>
    public required string Group { get; init; }

    /// <summary>The topic the event was read from.</summary>
    public required string Topic { get; init; }

    /// <summary>The partition.</summary>
    public required int Partition { get; init; }

    /// <summary>The event's offset in its partition.</summary>
    public required long Offset { get; init; }

    /// <summary>The event id (the same on a redelivery).</summary>
    public required string Id { get; init; }

    /// <summary>The ordering key, or null for an unkeyed event.</summary>
    public required string? Key { get; init; }

    /// <summary>The registered event-type name.</summary>
    public required string Type { get; init; }

    /// <summary>The event as the handler received it.</summary>
    public required object Event { get; init; }

    /// <summary>The serialized event, as stored.</summary>
    public required ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The application headers (empty when none).</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>The attempt that succeeded: 1 on the first try, 2 after one failure, and so on.</summary>
    public required int Attempt { get; init; }

    /// <summary>True for the second call of <see cref="ShoalTestOptions.RedeliverEveryEventOnce"/>.</summary>
    public required bool Redelivery { get; init; }
}
