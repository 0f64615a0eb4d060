namespace Shoal.Engine;

/// <summary>A partition's retained range: events live at offsets [Start, End).</summary>
public readonly record struct PartitionOffsets(long Start, long End);
