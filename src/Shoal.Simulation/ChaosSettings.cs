namespace Shoal.Simulation;

/// <summary>The shape of every simulated run; the seed decides everything else.</summary>
internal sealed record ChaosSettings
{
    public int Members { get; init; } = 3;

    public int Partitions { get; init; } = 6;

    public int Keys { get; init; } = 24;

    public int Events { get; init; } = 1_200;

    /// <summary>Virtual time over which the producer publishes the events.</summary>
    public TimeSpan PublishFor { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Faults start after this and stop at <see cref="FaultsUntil"/>.</summary>
    public TimeSpan FaultsFrom { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan FaultsUntil { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>After the last fault, everything published must be handled and committed within this.</summary>
    public TimeSpan LivenessBound { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan SessionTtl { get; init; } = TimeSpan.FromMilliseconds(400);

    public int MaxInFlight { get; init; } = 32;

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

    public void Validate()
    {
        if (Members < 1 || Members > 16)
        {
            throw new ShoalConfigurationException("--members", $"must be between 1 and 16; was {Members}.");
        }
    }
}
