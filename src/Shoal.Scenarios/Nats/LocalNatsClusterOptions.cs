namespace Shoal.Scenarios.Nats;

/// <summary>What <see cref="LocalNatsCluster.StartAsync"/> starts.</summary>
public sealed record LocalNatsClusterOptions
{
    /// <summary>Servers (1 = a single JetStream server, 3+ = a JetStream cluster). Default 1.</summary>
    public int Servers { get; init; } = 1;

    /// <summary>Where the servers keep their data and logs; null = a new temporary directory, deleted on dispose.</summary>
    public string? Directory { get; init; }

    /// <summary>More arguments for every server, e.g. <c>--user u --pass p</c> or <c>--auth TOKEN</c>.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>How long to wait for the servers (and, in a cluster, its JetStream leader). Default 30 s.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
