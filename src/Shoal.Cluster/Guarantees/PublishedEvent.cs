namespace Shoal.Cluster;

/// <summary>An event the run published.</summary>
/// <param name="Key">Its key.</param>
/// <param name="Sequence">Its sequence within its key: 0, 1, 2, … in publish order.</param>
/// <param name="Acknowledged">Whether the engine acknowledged it (only acknowledged events can be lost).</param>
public sealed record PublishedEvent(string Key, long Sequence, bool Acknowledged);
