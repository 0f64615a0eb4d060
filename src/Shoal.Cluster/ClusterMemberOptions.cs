namespace Shoal.Cluster;

/// <summary>One member of a group's cluster: who it is, how it balances, how fast it notices failures.</summary>
public sealed record ClusterMemberOptions
{
    /// <summary>The member's id. Keep it stable across restarts (static membership): a member restarting with the
    /// same id within the session TTL takes its record and leases back without a rebalance elsewhere.</summary>
    public required string MemberId { get; init; }

    /// <summary>Relative share of partitions for the weighted assignor (and the health-adjusted weight). Default 1.</summary>
    public double Weight { get; init; } = 1;

    /// <summary>The member's in-flight capacity, published in its record (0: not stated).</summary>
    public int Capacity { get; init; }

    /// <summary>Where the member can be reached, published in its record (optional).</summary>
    public string? Address { get; init; }

    /// <summary>How partitions are spread. Default <see cref="AssignorKind.Sticky"/> (minimal movement).</summary>
    public AssignorKind Assignor { get; init; } = AssignorKind.Sticky;

    /// <summary>Heartbeat interval and session TTL.</summary>
    public ClusterOptions Cluster { get; init; } = new();

    /// <summary>When the member reports itself Degraded or Unhealthy.</summary>
    public HealthOptions Health { get; init; } = new();

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    /// <summary>
    /// Test switch for the simulation's checker: a partition's lease is released before its in-flight events are
    /// drained, so the next owner starts while this member still handles them. Never set it elsewhere.
    /// </summary>
    internal bool UnsafeReleaseBeforeDrain { get; init; }

    /// <summary>
    /// Test switch: the member does not fence itself by its own clock (<see cref="Leases.SelfFence"/>), so a member cut
    /// off from the store goes on handling and committing, and only the store's compare-and-set stops it. Tests of that
    /// second line of defence use it; never set it elsewhere.
    /// </summary>
    internal bool UnsafeNoSelfFence { get; init; }

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first field that is out of range.</summary>
    public void Validate()
    {
        NameRules.Validate("ClusterMemberOptions.MemberId", MemberId);
        if (!double.IsFinite(Weight) || Weight < 0)
        {
            throw new ShoalConfigurationException("ClusterMemberOptions.Weight", $"must be a finite number ≥ 0; was {Weight}.");
        }

        OptionChecks.Range("ClusterMemberOptions.Capacity", Capacity, 0, int.MaxValue);
        OptionChecks.Defined("ClusterMemberOptions.Assignor", Assignor);
        if (Cluster is null)
        {
            throw new ShoalConfigurationException("ClusterMemberOptions.Cluster", "must not be null.");
        }

        Cluster.Validate();
        if (Health is null)
        {
            throw new ShoalConfigurationException("ClusterMemberOptions.Health", "must not be null.");
        }

        Health.Validate();
    }
}
