using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Shoal.Engine;

/// <summary>What the caller of <see cref="ShoalEngines.OpenAsync"/> lends the engine it opens.</summary>
public sealed record EngineServices
{
    /// <summary>No logging, the system clock. A new instance on every call.</summary>
    public static EngineServices Default => new();

    /// <summary>Where the engine (and the client library under it) logs. Default none.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Where the engine reads time from (retention by age, de-duplication windows, flush timers). Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The session TTL of the cluster member the engine serves (<c>ClusterOptions.SessionTtl</c>), or null when it serves
    /// none. A networked engine derives from it how fast it notices a dead connection and how long a request may wait
    /// (NATS: docs/nats.md, Liveness), so the member reaches another server before its session expires. Default null: the
    /// engine's own defaults (derived from the cluster's default 30 s TTL).
    /// </summary>
    public TimeSpan? SessionTtl { get; init; }

    /// <summary>The member's heartbeat interval (<c>ClusterOptions.HeartbeatInterval</c>), used with <see cref="SessionTtl"/>; null: a tenth of it.</summary>
    public TimeSpan? HeartbeatInterval { get; init; }
}
