namespace Shoal.Cluster;

/// <summary>A member's current load: events being handled now and the recent handling rate.</summary>
public readonly record struct MemberLoad(long InFlight, double EventsPerSecond);
