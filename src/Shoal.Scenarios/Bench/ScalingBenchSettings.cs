namespace Shoal.Scenarios.Bench;

/// <summary>Settings of <c>shoal bench scaling</c>.</summary>
/// <param name="Engine">NATS servers the workers share (an engine URI several processes can use).</param>
/// <param name="Workers">Worker counts to measure (one worker is always measured: it is the baseline).</param>
/// <param name="Partitions">Partitions of each run's topic.</param>
/// <param name="HandlerSleep">How long each handler call sleeps.</param>
/// <param name="HandlerConcurrency">Handler calls at once per worker process.</param>
/// <param name="Keys">Distinct keys of the backlog.</param>
/// <param name="Warmup">Time after the partitions are shared evenly before the window opens.</param>
/// <param name="Window">How long committed offsets are sampled.</param>
public sealed record ScalingBenchSettings(
    string Engine,
    IReadOnlyList<int> Workers,
    int Partitions,
    TimeSpan HandlerSleep,
    int HandlerConcurrency,
    int Keys,
    TimeSpan Warmup,
    TimeSpan Window);
