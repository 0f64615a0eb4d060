namespace Shoal.Engine;

/// <summary>One change seen by a watch. For deletes, <see cref="Value"/> is empty.</summary>
public readonly record struct KvChange(KvChangeKind Kind, string Key, ReadOnlyMemory<byte> Value, long Revision);
