using System.Diagnostics.Metrics;

namespace Shoal.Cluster.Diagnostics;

/// <summary>
/// The cluster layer's instruments, on a meter also named <c>Shoal</c> (so <c>AddMeter("Shoal")</c> collects them with
/// the runtime's). Recorded from the member's own loop with times from its injected <see cref="TimeProvider"/>.
/// </summary>
internal static class ClusterTelemetry
{
    public static readonly Meter Meter = new("Shoal");

    public static readonly Counter<long> Rebalances = Meter.CreateCounter<long>(
        "shoal.cluster.rebalances", "{rebalance}", "Times a member's target assignment changed (each member counts its own view).");

    public static readonly Counter<long> LeaseChanges = Meter.CreateCounter<long>(
        "shoal.cluster.lease_changes", "{change}", "Partition leases acquired, released (handed over) or lost, by shoal.change.");

    public static readonly Histogram<double> FailoverDuration = Meter.CreateHistogram<double>(
        "shoal.cluster.failover.duration", "ms",
        "For a partition taken over from an owner whose lease expired: time from that owner's last renewal to the takeover.");

    public static KeyValuePair<string, object?>[] Tags(string group, string topic) =>
        [new("shoal.group", group), new("shoal.topic", topic)];

    public static void LeaseChanged(string group, string topic, string change)
    {
        if (LeaseChanges.Enabled)
        {
            LeaseChanges.Add(1, new("shoal.group", group), new("shoal.topic", topic), new("shoal.change", change));
        }
    }
}
