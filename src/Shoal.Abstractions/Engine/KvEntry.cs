namespace Shoal.Engine;

/// <summary>A stored key, its value and its revision.</summary>
public readonly record struct KvEntry(string Key, ReadOnlyMemory<byte> Value, long Revision);
