using System.Diagnostics.Metrics;

namespace Shoal.Cluster.Diagnostics;

/// <summary>
/// The cluster package's instruments. They live on the meter <see cref="ShoalDiagnostics.MeterName"/>, like the runtime's, so one
/// <c>AddMeter(ShoalDiagnostics.MeterName)</c> collects both (OpenTelemetry and <see cref="MeterListener"/> match meters by name).
/// Recorded from the member's own loop with times from its injected <see cref="TimeProvider"/>.
/// </summary>
internal static class ClusterTelemetry
{
    public static readonly Meter Meter = new(ShoalDiagnostics.MeterName);

    public static readonly Gauge<int> DesiredMembers = Meter.CreateGauge<int>(
        "shoal.autoscale.desired_members", "{member}", "Members the autoscaling policy wants for the group (an HPA/KEDA external metric).");

    public static readonly Gauge<int> RecommendedMembers = Meter.CreateGauge<int>(
        "shoal.autoscale.recommended_members", "{member}", "The policy's recommendation for the latest inputs alone, before stabilization.");

    public static readonly Gauge<long> Lag = Meter.CreateGauge<long>(
        "shoal.autoscale.lag", "{event}", "Total lag of the group (end offsets minus committed offsets) at the latest evaluation.");

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
