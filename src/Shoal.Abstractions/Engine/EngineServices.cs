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
}
