using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Shoal.Diagnostics;

/// <summary>Shoal's meter and activity source, named by <see cref="ShoalDiagnostics"/> (OpenTelemetry: <c>AddMeter(ShoalDiagnostics.MeterName)</c>).</summary>
internal static class Telemetry
{
    public static readonly ActivitySource ActivitySource = new(ShoalDiagnostics.ActivitySourceName);

    public static readonly Meter Meter = new(ShoalDiagnostics.MeterName);

    public static readonly Counter<long> Published = Meter.CreateCounter<long>("shoal.events.published", "{event}", "Events appended by publishers (duplicates excluded).");

    public static readonly Counter<long> Handled = Meter.CreateCounter<long>("shoal.events.handled", "{event}", "Events a handler completed.");

    public static readonly Counter<long> Failed = Meter.CreateCounter<long>("shoal.events.failed", "{attempt}", "Handler attempts that failed (threw or timed out).");

    public static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("shoal.events.dead_lettered", "{event}", "Events written to a dead-letter topic.");

    public static readonly Counter<long> WrongPartition = Meter.CreateCounter<long>("shoal.events.wrong_partition", "{event}", "Keyed events read from a partition their key does not hash to (dead-lettered as wrong-partition).");

    public static readonly Counter<long> Ignored = Meter.CreateCounter<long>("shoal.events.ignored", "{event}", "Events of a registered type the group has no handler for.");

    public static readonly Histogram<double> HandlerDuration = Meter.CreateHistogram<double>("shoal.handler.duration", "ms", "Handler duration per attempt.");

    public static readonly Counter<long> CommitsRejected = Meter.CreateCounter<long>("shoal.offsets.commits_rejected", "{commit}", "Commits rejected because a newer owner fenced the partition (zombie commits).");

    public static readonly Counter<long> Commits = Meter.CreateCounter<long>("shoal.offsets.commits", "{commit}", "Committed offset writes.");

    public static KeyValuePair<string, object?> GroupTag(string group) => new("shoal.group", group);

    public static KeyValuePair<string, object?> TopicTag(string topic) => new("shoal.topic", topic);
}
