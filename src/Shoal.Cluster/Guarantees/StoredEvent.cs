namespace Shoal.Cluster;

/// <summary>Where the log holds a published event.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Offset">The offset.</param>
/// <param name="Event">The event's index in <see cref="GuaranteeRun.Events"/>.</param>
/// <param name="DeadLettered">Whether the group dead-lettered the event at this position.</param>
public sealed record StoredEvent(int Partition, long Offset, int Event, bool DeadLettered);
