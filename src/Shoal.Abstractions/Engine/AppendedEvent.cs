namespace Shoal.Engine;

/// <summary>The outcome of appending one event.</summary>
/// <param name="Offset">Where the event is stored (for a duplicate: where the original is, or -1).</param>
/// <param name="Duplicate">True when the event's id was seen within the de-duplication window and nothing was stored.</param>
public readonly record struct AppendedEvent(long Offset, bool Duplicate);
