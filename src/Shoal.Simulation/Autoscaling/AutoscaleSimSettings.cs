using Shoal.Cluster.Autoscaling;

namespace Shoal.Simulation.Autoscaling;

/// <summary>What an autoscaling simulation (<c>shoal autoscale-sim</c>) runs: the load, the members' speed, the partitions and the policy.</summary>
public sealed record AutoscaleSimSettings
{
    /// <summary>The shape of the load. Default <see cref="LoadProfileKind.Step"/>.</summary>
    public LoadProfileKind Profile { get; init; } = LoadProfileKind.Step;

    /// <summary>Seeds the noise of the noisy profile (the others are deterministic shapes).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Seconds to simulate; 0 for the profile's default.</summary>
    public int Seconds { get; init; }

    /// <summary>Base arrivals, events per second (the profiles are multiples of it).</summary>
    public double BaseRate { get; init; } = 1_000;

    /// <summary>Events per second one busy member handles.</summary>
    public double MemberRate { get; init; } = 100;

    /// <summary>Partitions of the topic: more members than this get no work (one owner per partition).</summary>
    public int Partitions { get; init; } = 128;

    /// <summary>Time from asking for a member to its handling events (process start, join, lease takeover).</summary>
    public TimeSpan StartupDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The policy under test.</summary>
    public AutoscaleOptions Policy { get; init; } = AutoscaleOptions.Default with { MaxMembers = 128 };

    /// <summary>Seconds the run lasts: <see cref="Seconds"/>, or the profile's default.</summary>
    public int EffectiveSeconds => Seconds > 0 ? Seconds : LoadProfile.DefaultSeconds(Profile);
}
