namespace Shoal.Scenarios.Bench;

/// <summary>The <c>--json</c> object of <c>shoal bench failover</c>.</summary>
public sealed record FailoverBenchReport
{
    /// <summary>nats-server processes.</summary>
    public int Servers { get; init; }

    /// <summary>Worker processes.</summary>
    public int Workers { get; init; }

    /// <summary>Partitions of the topic.</summary>
    public int Partitions { get; init; }

    /// <summary>Events per second published.</summary>
    public double Rate { get; init; }

    /// <summary>The workers' heartbeat interval, in milliseconds.</summary>
    public long HeartbeatMs { get; init; }

    /// <summary>The workers' session TTL, in milliseconds.</summary>
    public long SessionTtlMs { get; init; }

    /// <summary>One entry per kill.</summary>
    public required IReadOnlyList<FailoverRound> Rounds { get; init; }

    /// <summary>Median over rounds of <see cref="FailoverRound.ResumedMs"/>.</summary>
    public long MedianMs { get; init; }

    /// <summary>Worst round; -1 when a round never resumed.</summary>
    public long MaxMs { get; init; }

    /// <summary>The target: survivors resume within this.</summary>
    public long TargetMs { get; init; }

    /// <summary>Every round resumed within <see cref="TargetMs"/>.</summary>
    public bool TargetMet { get; init; }

    /// <summary>What <c>shoal verify</c> said at the end.</summary>
    public required FailoverVerify Verify { get; init; }
}
