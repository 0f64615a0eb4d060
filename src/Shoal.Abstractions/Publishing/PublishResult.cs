namespace Shoal;

/// <summary>Where an event went.</summary>
/// <param name="Id">The event id (generated or given).</param>
/// <param name="Partition">The partition.</param>
/// <param name="Offset">The offset (for a duplicate, the original's offset, or -1 if no longer known).</param>
/// <param name="Duplicate">True when the id was already published within the de-duplication window and nothing was stored.</param>
public readonly record struct PublishResult(string Id, int Partition, long Offset, bool Duplicate);
