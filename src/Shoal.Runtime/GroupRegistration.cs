namespace Shoal;

/// <summary>A group and its handlers.</summary>
public sealed record GroupRegistration
{
    /// <summary>The group's options.</summary>
    public required GroupOptions Options { get; init; }

    /// <summary>The group's handlers, at least one; each event type may have several (they run in order).</summary>
    public required IReadOnlyList<HandlerRegistration> Handlers { get; init; }
}
