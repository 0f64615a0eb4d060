using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Shoal.Server.Diagnostics;

/// <summary>The server's instruments and activities, on the meter and activity source named <c>Shoal</c> like the runtime's.</summary>
internal static class ServerTelemetry
{
    public static readonly ActivitySource ActivitySource = new(ShoalDiagnostics.ActivitySourceName);

    public static readonly Meter Meter = new(ShoalDiagnostics.MeterName);

    public static readonly Counter<long> UdpDatagrams = Meter.CreateCounter<long>(
        "shoal.udp.datagrams", "{datagram}", "UDP datagrams received, by shoal.outcome: accepted, malformed, dropped (queue full), failed (engine error).");

    /// <summary>Starts the ingest activity of a request or datagram (a producer span, under the request's), or null when nobody listens; a datagram's topic is tagged once it is read.</summary>
    public static Activity? StartIngest(string? topic)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        var activity = ActivitySource.StartActivity("shoal.ingest", ActivityKind.Producer);
        if (topic is not null)
        {
            activity?.SetTag("messaging.destination.name", topic);
        }

        return activity;
    }

    public static void Udp(string outcome, long count = 1)
    {
        if (UdpDatagrams.Enabled)
        {
            UdpDatagrams.Add(count, new KeyValuePair<string, object?>("shoal.outcome", outcome));
        }
    }
}
