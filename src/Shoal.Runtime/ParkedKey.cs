namespace Shoal;

/// <summary>
/// A key a group parked (<see cref="PoisonKeyPolicy.Park"/>): its later events go to the dead-letter topic until it is
/// released (<see cref="ShoalRuntime.ReleaseParkedKeyAsync"/>). Listed by <see cref="ShoalRuntime.GetParkedKeysAsync"/>.
/// </summary>
/// <param name="Group">The group.</param>
/// <param name="Key">The parked key.</param>
/// <param name="Partition">The partition it was parked in.</param>
/// <param name="EventId">The id of the event that parked it.</param>
/// <param name="Offset">That event's offset.</param>
public sealed record ParkedKey(string Group, string Key, int Partition, string EventId, long Offset);
