namespace Shoal.Simulation;

/// <summary>The shape of every simulated run (<c>shoal chaos</c>); the seed decides everything else.</summary>
public sealed record ChaosSettings
{
    /// <summary>Cluster members at the start (1 to 16); crashes and restarts change the live count during the run.</summary>
    public int Members { get; init; } = 3;

    /// <summary>Partitions of the simulated topic.</summary>
    public int Partitions { get; init; } = 6;

    /// <summary>Distinct event keys the producer spreads the events over.</summary>
    public int Keys { get; init; } = 24;

    /// <summary>Events the producer publishes.</summary>
    public int Events { get; init; } = 1_200;

    /// <summary>Virtual time over which the producer publishes the events.</summary>
    public TimeSpan PublishFor { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Faults start after this and stop at <see cref="FaultsUntil"/>.</summary>
    public TimeSpan FaultsFrom { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>No fault starts after this virtual time; then the cluster heals.</summary>
    public TimeSpan FaultsUntil { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>After the last fault, everything published must be handled and committed within this.</summary>
    public TimeSpan LivenessBound { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The members' heartbeat interval.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The members' session and lease TTL.</summary>
    public TimeSpan SessionTtl { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>The group's in-flight window per partition (it bounds the duplicates a crash may cause).</summary>
    public int MaxInFlight { get; init; } = 32;

    /// <summary>The group's handler concurrency per partition.</summary>
    public int MaxConcurrency { get; init; } = 8;

    /// <summary>
    /// Changes each member's runtime options before its node is created. Tests break the protocol on purpose with it
    /// (through internal switches only they can reach), to show the checker catches what that breaks.
    /// </summary>
    internal Func<ShoalOptions, ShoalOptions>? ConfigureRuntime { get; init; }

    /// <summary>Changes each member's cluster member options, as <see cref="ConfigureRuntime"/> does the runtime's.</summary>
    internal Func<Shoal.Cluster.ClusterMemberOptions, Shoal.Cluster.ClusterMemberOptions>? ConfigureMember { get; init; }

    /// <summary>Keep the full trace (for <c>--trace</c>); the hash is always kept.</summary>
    public bool KeepTrace { get; init; }

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Members < 1 || Members > 16)
        {
            throw new ShoalConfigurationException("--members", $"must be between 1 and 16; was {Members}.");
        }
    }
}
