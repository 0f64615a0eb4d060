namespace Shoal.Scenarios.Bench;

/// <summary>Settings of <c>shoal bench latency</c>.</summary>
/// <param name="Engine">The engine URI (<c>inproc://</c>, <c>file://…</c>, <c>nats://…</c>).</param>
/// <param name="Rates">Events per second to publish at, one measurement each, in the order given.</param>
/// <param name="Duration">How long each rate is published.</param>
/// <param name="HandlerWork">How long each handler call waits after it recorded its latency (0: returns at once).</param>
/// <param name="Partitions">Partitions of each rate's topic.</param>
/// <param name="Pacing">How the publisher waits for its slots.</param>
/// <param name="InFlight">Most publish calls running at once (each carries the events due when it starts).</param>
public sealed record LatencyBenchSettings(
    string Engine,
    IReadOnlyList<double> Rates,
    TimeSpan Duration,
    TimeSpan HandlerWork,
    int Partitions = LatencyBenchSettings.DefaultPartitions,
    LatencyPacing Pacing = LatencyBenchSettings.DefaultPacing,
    int InFlight = LatencyBenchSettings.DefaultInFlight)
{
    /// <summary>The pacing unless told otherwise.</summary>
    public const LatencyPacing DefaultPacing = LatencyPacing.Sleep;

    /// <summary>Publish calls in flight unless told otherwise.</summary>
    public const int DefaultInFlight = 64;

    /// <summary>Partitions of each rate's topic unless told otherwise (as <c>shoal produce</c> creates).</summary>
    public const int DefaultPartitions = 12;
}
