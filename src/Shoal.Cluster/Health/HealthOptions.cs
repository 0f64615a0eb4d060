namespace Shoal.Cluster;

/// <summary>
/// When a member reports itself Degraded or Unhealthy, how it recovers, and how health changes its weight (and which
/// members take partitions: the healthiest present, see docs/cluster.md "Health").
/// Inputs are sampled once per heartbeat (see docs/cluster.md, "Membership and health").
/// </summary>
public sealed record HealthOptions
{
    /// <summary>Defaults: Degraded at 20 % errors or a stalled partition, Unhealthy at 50 % errors or 3 beats of engine errors. A new instance on every call, so changing one (a configuration binder does) never changes another.</summary>
    public static HealthOptions Default => new();

    /// <summary>Handler error rate (failed / handled over the window) from which the member is Degraded. Default 0.2.</summary>
    public double DegradedErrorRate { get; init; } = 0.2;

    /// <summary>Handler error rate from which the member is Unhealthy. Default 0.5.</summary>
    public double UnhealthyErrorRate { get; init; } = 0.5;

    /// <summary>How many heartbeat samples the error rate is computed over. Default 10 (30 s at 3 s heartbeats).</summary>
    public int ErrorRateWindow { get; init; } = 10;

    /// <summary>Fewer handled events than this in the window give no error rate (one failure of one event is not 100 %). Default 10.</summary>
    public int MinEventsForErrorRate { get; init; } = 10;

    /// <summary>A partition with lag whose position has not moved for this long is stalled. Default 30 s.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many stalled partitions make the member Degraded. Default 1.</summary>
    public int DegradedStalledPartitions { get; init; } = 1;

    /// <summary>Consecutive samples with engine errors that make the member Unhealthy (one makes it Degraded). Default 3.</summary>
    public int UnhealthyEngineErrorSamples { get; init; } = 3;

    /// <summary>Consecutive better samples needed before health improves (hysteresis; getting worse is immediate). Default 3.</summary>
    public int RecoverySamples { get; init; } = 3;

    /// <summary>
    /// How long since the last sample that was not better before health improves (with <see cref="RecoverySamples"/>):
    /// with short heartbeats, samples alone would let a flaky member flap. Default 5 s.
    /// </summary>
    public TimeSpan RecoveryTime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Heartbeats with lost leases, within <see cref="LeaseLossWindow"/>, that make the member Degraded (losing and retaking partitions). Default 2.</summary>
    public int DegradedLeaseLosses { get; init; } = 2;

    /// <summary>How far back lost leases count toward <see cref="DegradedLeaseLosses"/>. Default 30 s.</summary>
    public TimeSpan LeaseLossWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A Degraded member's weight is multiplied by this. Default 0.5.</summary>
    public double DegradedWeightFactor { get; init; } = 0.5;

    /// <summary>The weight to publish for a member of <paramref name="weight"/>: full when Healthy, × <see cref="DegradedWeightFactor"/> when Degraded, 0 when Unhealthy.</summary>
    public double EffectiveWeight(double weight, MemberHealth health) => health switch
    {
        MemberHealth.Healthy => weight,
        MemberHealth.Degraded => weight * DegradedWeightFactor,
        _ => 0,
    };

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        OptionChecks.Range("HealthOptions.DegradedErrorRate", DegradedErrorRate, double.Epsilon, 1);
        OptionChecks.Range("HealthOptions.UnhealthyErrorRate", UnhealthyErrorRate, double.Epsilon, 1);
        if (UnhealthyErrorRate < DegradedErrorRate)
        {
            throw new ShoalConfigurationException("HealthOptions.UnhealthyErrorRate",
                $"must be at least DegradedErrorRate ({DegradedErrorRate}); was {UnhealthyErrorRate}.");
        }

        OptionChecks.Range("HealthOptions.ErrorRateWindow", ErrorRateWindow, 1, 10_000);
        OptionChecks.Range("HealthOptions.MinEventsForErrorRate", MinEventsForErrorRate, 1, long.MaxValue);
        OptionChecks.Positive("HealthOptions.StallTimeout", StallTimeout);
        OptionChecks.Range("HealthOptions.DegradedStalledPartitions", DegradedStalledPartitions, 1, int.MaxValue);
        OptionChecks.Range("HealthOptions.UnhealthyEngineErrorSamples", UnhealthyEngineErrorSamples, 1, int.MaxValue);
        OptionChecks.Range("HealthOptions.RecoverySamples", RecoverySamples, 1, 10_000);
        OptionChecks.NotNegative("HealthOptions.RecoveryTime", RecoveryTime);
        OptionChecks.Range("HealthOptions.DegradedLeaseLosses", DegradedLeaseLosses, 1, 10_000);
        OptionChecks.Positive("HealthOptions.LeaseLossWindow", LeaseLossWindow);
        OptionChecks.Range("HealthOptions.DegradedWeightFactor", DegradedWeightFactor, 0, 1);
    }
}
