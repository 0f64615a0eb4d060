namespace Shoal.Cluster.Autoscaling;

/// <summary>How <see cref="Supervisor"/> runs its workers (the autoscaling policy has its own options).</summary>
public sealed record SupervisorOptions
{
    /// <summary>Fewest workers (the policy's lower bound too). Default 1.</summary>
    public int MinWorkers { get; init; } = 1;

    /// <summary>Most workers (the policy's upper bound too). Default 8.</summary>
    public int MaxWorkers { get; init; } = 8;

    /// <summary>How often the autoscaler samples the engine and decides. Default 5 s.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>After SIGTERM, how long a worker may take to hand over before it is killed. Default 45 s (the worker's drain timeout is 30 s).</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>A worker that crashes sooner than this after its start is crash-looping: its restarts back off. Default 10 s.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First delay before restarting a crash-looping worker (doubling with each quick crash). Default 1 s.</summary>
    public TimeSpan FirstRestartBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay before restarting a crash-looping worker. Default 30 s.</summary>
    public TimeSpan MaxRestartBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Member ids are <c>{prefix}-{n}</c>, n from 1 in start order; a restarted worker keeps its id.</summary>
    public required string MemberPrefix { get; init; }
}
