using Microsoft.Extensions.Logging;

namespace Shoal.Cluster;

/// <summary>Source-generated log messages of the node, what it is as it starts (event ids 2300–2399).</summary>
internal static partial class NodeLog
{
    [LoggerMessage(2301, LogLevel.Information, "Shoal node starting on engine {Engine}")]
    public static partial void Engine(ILogger logger, string engine);

    [LoggerMessage(2302, LogLevel.Information, "Shoal node runs {Count} group(s): {Groups}")]
    public static partial void Groups(ILogger logger, int count, string groups);

    [LoggerMessage(2303, LogLevel.Information, "Shoal node is member {MemberId} of group {Group} (weight {Weight}, assignor {Assignor}, heartbeat {HeartbeatInterval}, session TTL {SessionTtl})")]
    public static partial void Member(ILogger logger, string memberId, string group, double weight, string assignor, TimeSpan heartbeatInterval, TimeSpan sessionTtl);
}
