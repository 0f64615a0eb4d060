namespace Shoal.Scenarios.Bench;

/// <summary>What <c>shoal bench failover</c> runs.</summary>
/// <param name="Servers">nats-server processes (1, or 3 and more for R3 topics).</param>
/// <param name="Workers">Worker processes at the start; one is killed per round and replaced.</param>
/// <param name="Rounds">Kills, one measurement each.</param>
/// <param name="Partitions">Partitions of the topic.</param>
/// <param name="Rate">Events per second published throughout.</param>
/// <param name="Heartbeat">The workers' heartbeat interval.</param>
/// <param name="SessionTtl">The workers' session TTL.</param>
public sealed record FailoverBenchSettings(int Servers, int Workers, int Rounds, int Partitions, double Rate, TimeSpan Heartbeat, TimeSpan SessionTtl);
