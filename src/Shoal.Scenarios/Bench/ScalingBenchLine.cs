namespace Shoal.Scenarios.Bench;

/// <summary>One worker count's measurement.</summary>
/// <param name="Workers">Worker processes.</param>
/// <param name="Backlog">Events produced before the workers started.</param>
/// <param name="EventsPerSecond">Events committed per second over the window.</param>
/// <param name="PerWorker"><paramref name="EventsPerSecond"/> over <paramref name="Workers"/>.</param>
/// <param name="Ratio"><paramref name="EventsPerSecond"/> over N × the one-worker rate.</param>
/// <param name="TargetMet">True for the baseline, and when <paramref name="Ratio"/> is at least 0.8.</param>
public sealed record ScalingBenchLine(int Workers, long Backlog, double EventsPerSecond, double PerWorker, double Ratio, bool TargetMet);
