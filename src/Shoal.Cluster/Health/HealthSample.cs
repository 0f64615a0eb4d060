namespace Shoal.Cluster;

/// <summary>
/// What a member observed since its previous heartbeat: handler outcomes, the progress of each partition it
/// owns, and whether the engine failed.
/// </summary>
/// <param name="Succeeded">Events handled successfully since the previous sample.</param>
/// <param name="Failed">Handler failures (attempts that threw) since the previous sample.</param>
/// <param name="Partitions">Each owned partition's position and lag now; null or empty when it owns none.</param>
/// <param name="EngineError">True when a call to the engine failed, or was slow, since the previous sample.</param>
/// <param name="LeasesLost">Leases lost since the previous sample (not renewed in time, or fenced at commit).</param>
internal readonly record struct HealthSample(long Succeeded, long Failed, IReadOnlyList<PartitionPosition>? Partitions, bool EngineError, long LeasesLost = 0)
{
    /// <summary>Nothing handled, nothing owned, no engine error.</summary>
    public static HealthSample Idle => default;
}

/// <summary>One owned partition: its processed position (e.g. the committed offset) and its lag behind the log end.</summary>
internal readonly record struct PartitionPosition(int Partition, long Position, long Lag);
