using Microsoft.Extensions.Logging;
using Shoal.Cluster;

namespace Shoal.Scenarios.Workload;

/// <summary>The parsed options of <c>shoal worker</c>.</summary>
/// <param name="Engine">The engine URI.</param>
/// <param name="Topic">The topic to consume.</param>
/// <param name="Group">The consumer group the worker joins.</param>
/// <param name="Handler">What to do with each event.</param>
/// <param name="MemberId">The member's id; stable across restarts.</param>
/// <param name="Weight">Relative share of partitions (for the weighted assignor).</param>
/// <param name="Heartbeat">How often the member heartbeats and renews its leases.</param>
/// <param name="SessionTtl">A member silent this long is dead (at least twice <paramref name="Heartbeat"/>).</param>
/// <param name="Concurrency">Keys handled concurrently per partition.</param>
/// <param name="Assignor">How the group spreads partitions over members.</param>
/// <param name="MaxRate">Events per second at most over all partitions (0: no limit).</param>
/// <param name="ParentPid">Stop gracefully when this process (the supervisor) is gone.</param>
/// <param name="LogLevel">The level of the runtime's and cluster's log on the console (none: no log).</param>
public sealed record WorkerSettings(
    string Engine,
    string Topic,
    string Group,
    WorkerHandler Handler,
    string MemberId,
    double Weight,
    TimeSpan Heartbeat,
    TimeSpan SessionTtl,
    int Concurrency,
    AssignorKind Assignor,
    double MaxRate = 0,
    int? ParentPid = null,
    LogLevel LogLevel = LogLevel.None)
{
    /// <summary>Handler calls at once in the process (0: unlimited).</summary>
    public int HandlerConcurrency { get; init; }

    /// <summary>How long transient engine errors are retried while the worker starts.</summary>
    public TimeSpan StartupTimeout { get; init; } = Worker.DefaultStartupTimeout;
}
