using System.Diagnostics.Metrics;

namespace Shoal.Cluster.Diagnostics;

/// <summary>
/// The cluster package's instruments. They live on a meter named <c>Shoal</c>, like the runtime's, so one
/// <c>AddMeter("Shoal")</c> collects both (OpenTelemetry and <see cref="MeterListener"/> match meters by name).
/// </summary>
internal static class ClusterTelemetry
{
    public const string Name = "Shoal";

    public static readonly Meter Meter = new(Name);

    public static readonly Gauge<int> DesiredMembers = Meter.CreateGauge<int>(
        "shoal.autoscale.desired_members", "{member}", "Members the autoscaling policy wants for the group (an HPA/KEDA external metric).");

    public static readonly Gauge<int> RecommendedMembers = Meter.CreateGauge<int>(
        "shoal.autoscale.recommended_members", "{member}", "The policy's recommendation for the latest inputs alone, before stabilization.");

    public static readonly Gauge<long> Lag = Meter.CreateGauge<long>(
        "shoal.autoscale.lag", "{event}", "Total lag of the group (end offsets minus committed offsets) at the latest evaluation.");
}
