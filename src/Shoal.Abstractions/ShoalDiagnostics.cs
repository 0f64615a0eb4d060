namespace Shoal;

/// <summary>
/// The names Shoal's instruments and activities are published under, for OpenTelemetry:
/// <c>.WithMetrics(m =&gt; m.AddMeter(ShoalDiagnostics.MeterName))</c> and
/// <c>.WithTracing(t =&gt; t.AddSource(ShoalDiagnostics.ActivitySourceName))</c>. Every Shoal package (runtime, cluster,
/// server) records on these two names; the metrics and their attributes are listed in docs/observability.md.
/// </summary>
public static class ShoalDiagnostics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> every Shoal package records on.</summary>
    public const string MeterName = "Shoal";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> of Shoal's spans (<c>shoal.publish</c>, <c>shoal.handle</c>, <c>shoal.ingest</c>).</summary>
    public const string ActivitySourceName = "Shoal";
}
