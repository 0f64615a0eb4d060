namespace Shoal.Scenarios.Bench;

/// <summary>The <c>--json</c> object of <c>shoal bench latency</c>.</summary>
/// <param name="Engine">The engine URI, a password or token redacted.</param>
/// <param name="Partitions">Partitions of each rate's topic.</param>
/// <param name="DurationSeconds">How long each rate was published.</param>
/// <param name="HandlerMs">How long each handler call waited after it recorded its latency.</param>
/// <param name="Results">One line per rate, in the order measured.</param>
/// <param name="Pacing">How the publisher waited for its slots (<c>timer</c>, <c>sleep</c>, <c>spin</c>).</param>
/// <param name="InFlight">Most publish calls running at once.</param>
public sealed record LatencyBenchReport(string Engine, int Partitions, double DurationSeconds, double HandlerMs, IReadOnlyList<LatencyBenchLine> Results, string Pacing, int InFlight);

/// <summary>One rate's measurement.</summary>
/// <param name="Rate">Events per second asked for.</param>
/// <param name="Published">Events published on the schedule.</param>
/// <param name="Handled">Events whose handler started (equal to <paramref name="Published"/> unless the wait for the last ones timed out).</param>
/// <param name="PublishedPerSecond">Events published over the time publishing took (below <paramref name="Rate"/> when publishing itself fell behind).</param>
/// <param name="Latency">
/// From each event's intended send time (its slot in the fixed schedule) to its handler's start: what a caller
/// publishing at this rate waits, coordinated omission included.
/// </param>
/// <param name="FromPublish">From the publish call that carried the event to its handler's start: Shoal's part alone, without the publisher's own lag behind its schedule.</param>
/// <param name="SendLag">
/// From each event's slot to the publish call that carried it: the publisher's lag behind its schedule (its timer
/// wakes late, so due events wait for the next wake-up; a publish call that blocks delays the slots behind it).
/// </param>
/// <param name="GcPauseMs">
/// Time the process spent in GC pauses while this rate was published and handled (<see cref="GC.GetTotalPauseDuration"/>):
/// tells a GC pause apart from a stall where the process was not scheduled (a loaded machine).
/// </param>
/// <param name="Raw">The same schedule through a bare channel, measured just before in the same process: the floor Shoal's latency adds to.</param>
/// <param name="CpuLoad">
/// Cores this process kept busy while this rate was published and handled (CPU time over wall time; 1 = one whole
/// core): what the pacing costs.
/// </param>
public sealed record LatencyBenchLine(
    double Rate, long Published, long Handled, double PublishedPerSecond, LatencyPercentiles Latency, LatencyPercentiles FromPublish, LatencyPercentiles SendLag,
    double GcPauseMs, LatencyBenchRaw Raw, double CpuLoad);

/// <summary>
/// The raw baseline of one rate: the same open-loop schedule, pacer and histograms, but each event written to a bare
/// bounded <see cref="System.Threading.Channels.Channel{T}"/> and recorded when a reader task reads it.
/// </summary>
/// <param name="Latency">From each event's slot to its read.</param>
/// <param name="SendLag">From each event's slot to the write that carried it: the pacer's own lag.</param>
/// <param name="GcPauseMs">Time in GC pauses while the baseline ran.</param>
public sealed record LatencyBenchRaw(LatencyPercentiles Latency, LatencyPercentiles SendLag, double GcPauseMs);

/// <summary>Percentiles of a latency distribution, in milliseconds.</summary>
/// <param name="P50Ms">The median.</param>
/// <param name="P90Ms">The 90th percentile.</param>
/// <param name="P99Ms">The 99th percentile.</param>
/// <param name="P999Ms">The 99.9th percentile.</param>
/// <param name="MaxMs">The largest value recorded.</param>
public sealed record LatencyPercentiles(double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs);
