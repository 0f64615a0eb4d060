namespace Shoal.Cluster.Autoscaling;

/// <summary>
/// How <see cref="AutoscalePolicy"/> turns lag and rates into a member count (see <c>docs/autoscaling.md</c>):
/// bounds, what lag is acceptable and how fast a backlog must drain, and the stabilization that keeps it from flapping.
/// </summary>
public sealed record AutoscaleOptions
{
    /// <summary>Defaults: 1–10 members, scale up after 15 s of agreement, down after 120 s (see docs/autoscaling.md). A new instance on every call, so changing one (a configuration binder does) never changes another.</summary>
    public static AutoscaleOptions Default => new();

    /// <summary>Fewest members, at least 1 (a member must run for the group to make progress). Default 1.</summary>
    public int MinMembers { get; init; } = 1;

    /// <summary>Most members. The policy also never goes above <c>partitions × MaxMembersPerPartition</c>. Default 10.</summary>
    public int MaxMembers { get; init; } = 10;

    /// <summary>
    /// How many members one partition can keep busy. Shoal gives each partition to one member under a fenced lease,
    /// and key-level concurrency (<c>GroupOptions.MaxConcurrency</c>) runs inside that owner: it makes a member use
    /// more cores, it does not make more members useful. So the default is 1 and the partition count caps the group,
    /// as KEDA's Kafka scaler does. Set it above 1 only for an engine that spreads one partition's keys over several
    /// members. Range 1–1024.
    /// </summary>
    public int MaxMembersPerPartition { get; init; } = 1;

    /// <summary>
    /// Lag (events, summed over partitions) the group may carry without asking for extra members to drain it: the
    /// in-flight windows and a few batches are always "lag". Default 1000.
    /// </summary>
    public long TargetLag { get; init; } = 1_000;

    /// <summary>
    /// The backlog above <see cref="TargetLag"/> should be gone within this time: the policy asks for enough members
    /// to keep up with arrivals and drain that backlog at <c>backlog / TargetDrainTime</c> events per second. Default 10 s.
    /// </summary>
    public TimeSpan TargetDrainTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a new member takes to start, join and take partitions. A scale-up is sized for the backlog that
    /// keeps growing until the new members work (over this time plus <see cref="ScaleUpWindow"/>). Default 5 s.
    /// </summary>
    public TimeSpan MemberStartupTime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Fraction of a member's measured throughput the policy plans to use, leaving headroom for noise (HPA's target
    /// utilization). In (0, 1]. Default 0.9.
    /// </summary>
    public double TargetUtilization { get; init; } = 0.9;

    /// <summary>
    /// Hysteresis: while the needed capacity is within ±this fraction of the current members' capacity, the
    /// recommendation stays at the current count (HPA's tolerance). In [0, 1). Default 0.1.
    /// </summary>
    public double Tolerance { get; init; } = 0.1;

    /// <summary>
    /// Scale up only to the lowest recommendation of this window (HPA <c>scaleUp.stabilizationWindowSeconds</c>): a
    /// spike shorter than the window adds nothing. Short, so growth is fast. Default 15 s; zero reacts at once.
    /// </summary>
    public TimeSpan ScaleUpWindow { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Scale down only to the highest recommendation of this window (HPA <c>scaleDown.stabilizationWindowSeconds</c>,
    /// 300 s there): members leave only after load stayed low this long. Default 120 s; zero reacts at once.
    /// </summary>
    public TimeSpan ScaleDownWindow { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// How far arrivals must fall for a drop to count as a new level rather than noise. When the lag is under
    /// <see cref="TargetLag"/> and every arrivals-only recommendation of the last <see cref="ScaleUpWindow"/> is at most
    /// this fraction of the current members, members leave after that short window instead of the
    /// <see cref="ScaleDownWindow"/> (noise of ±20 % around a level never needs half the members it was sized for). If a
    /// scale-up follows such a scale-down within the scale-down window, the drop was not a new level: this shortcut
    /// stays off until a whole scale-down window has seen the arrivals need at most this fraction of what came back. In [0, 1); 0 turns it off (always the long
    /// window, as Kubernetes HPA does). Default 0.5.
    /// </summary>
    public double DeepDropFraction { get; init; } = 0.5;

    /// <summary>
    /// After a change, no other change for this long, so the new members' effect is measured before the next
    /// decision (min/max bounds still apply at once). Default 10 s.
    /// </summary>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        OptionChecks.Range("AutoscaleOptions.MinMembers", MinMembers, 1, 100_000);
        OptionChecks.Range("AutoscaleOptions.MaxMembers", MaxMembers, 1, 100_000);
        if (MaxMembers < MinMembers)
        {
            throw new ShoalConfigurationException("AutoscaleOptions.MaxMembers", $"must be at least MinMembers ({MinMembers}); was {MaxMembers}.");
        }

        OptionChecks.Range("AutoscaleOptions.MaxMembersPerPartition", MaxMembersPerPartition, 1, 1024);
        OptionChecks.Range("AutoscaleOptions.TargetLag", TargetLag, 0, long.MaxValue);
        OptionChecks.Positive("AutoscaleOptions.TargetDrainTime", TargetDrainTime);
        OptionChecks.NotNegative("AutoscaleOptions.MemberStartupTime", MemberStartupTime);
        if (!(TargetUtilization > 0 && TargetUtilization <= 1))
        {
            throw new ShoalConfigurationException("AutoscaleOptions.TargetUtilization", $"must be in (0, 1]; was {TargetUtilization}.");
        }

        if (!(Tolerance >= 0 && Tolerance < 1))
        {
            throw new ShoalConfigurationException("AutoscaleOptions.Tolerance", $"must be in [0, 1); was {Tolerance}.");
        }

        if (!(DeepDropFraction >= 0 && DeepDropFraction < 1))
        {
            throw new ShoalConfigurationException("AutoscaleOptions.DeepDropFraction", $"must be in [0, 1); was {DeepDropFraction}.");
        }

        OptionChecks.NotNegative("AutoscaleOptions.ScaleUpWindow", ScaleUpWindow);
        OptionChecks.NotNegative("AutoscaleOptions.ScaleDownWindow", ScaleDownWindow);
        OptionChecks.NotNegative("AutoscaleOptions.Cooldown", Cooldown);
    }
}
