namespace Shoal.Engines.InProcess;

/// <summary>
/// Per partition of <paramref name="topic"/>, the offset below which every group has committed (so events below it
/// may be trimmed), or -1 when no group has a record for that partition. The engine builds it from its coordination
/// store (<see cref="CommittedOffsetScan.FloorOf"/>); the event log only applies it.
/// </summary>
/// <param name="topic">The topic's name.</param>
/// <param name="partitions">The topic's partition count (the length of the returned array).</param>
internal delegate long[] RetentionFloor(string topic, int partitions);
