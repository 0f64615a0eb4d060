namespace Shoal.Scenarios.Bench;

/// <summary>The <c>--json</c> object of <c>shoal bench scaling</c>.</summary>
/// <param name="Engine">The engine URI the workers shared.</param>
/// <param name="Partitions">Partitions of each run's topic.</param>
/// <param name="Handler">The workers' handler, as <c>--handler</c> writes it.</param>
/// <param name="HandlerConcurrency">Handler calls at once per worker process.</param>
/// <param name="WarmupSeconds">Warm-up before each window.</param>
/// <param name="WindowSeconds">Length of each window.</param>
/// <param name="OneWorkerPerSecond">The baseline: one worker's events per second.</param>
/// <param name="Results">One line per worker count, fewest first.</param>
public sealed record ScalingBenchReport(
    string Engine,
    int Partitions,
    string Handler,
    int HandlerConcurrency,
    double WarmupSeconds,
    double WindowSeconds,
    double OneWorkerPerSecond,
    IReadOnlyList<ScalingBenchLine> Results);
