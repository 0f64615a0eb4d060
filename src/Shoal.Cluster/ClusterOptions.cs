namespace Shoal.Cluster;

/// <summary>How members of a group find each other and share its partitions.</summary>
public sealed record ClusterOptions
{
    /// <summary>Defaults for production: heartbeat every 3 s, session TTL 30 s (see docs/cluster.md). A new instance on every call, so changing one (a configuration binder does) never changes another.</summary>
    public static ClusterOptions Default => new();

    /// <summary>How often a member writes its heartbeat record. Default 3 s (Kafka's heartbeat.interval.ms).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A member whose heartbeat is older than this is dead, and a lease not renewed within it expires.
    /// Default 30 s (Kafka: 45 s session timeout; Event Hubs: 2 min ownership expiry).
    /// </summary>
    public TimeSpan SessionTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        OptionChecks.PositiveTimer("ClusterOptions.HeartbeatInterval", HeartbeatInterval);
        OptionChecks.PositiveTimer("ClusterOptions.SessionTtl", SessionTtl);
        if (SessionTtl < HeartbeatInterval * 2)
        {
            throw new ShoalConfigurationException("ClusterOptions.SessionTtl",
                $"must be at least twice HeartbeatInterval ({HeartbeatInterval}) so one late heartbeat does not kill a member; was {SessionTtl}.");
        }
    }
}
