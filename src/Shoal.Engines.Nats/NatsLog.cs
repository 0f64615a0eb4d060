using Microsoft.Extensions.Logging;

namespace Shoal.Engines.Nats;

/// <summary>Source-generated log messages of the NATS engine (event ids 4000–4099).</summary>
internal static partial class NatsLog
{
    [LoggerMessage(4001, LogLevel.Warning,
        "NATS at {Servers}: the coordination bucket {Bucket} has {Replicas} replica on a cluster of {ClusterSize} servers; losing the one server that holds it stops all coordination. Recreate it with kv-replicas=3 (docs/nats.md)")]
    public static partial void SingleReplicaCoordination(ILogger logger, string servers, string bucket, int replicas, int clusterSize);

    [LoggerMessage(4002, LogLevel.Information,
        "NATS at {Servers}: cluster of {ClusterSize} servers; topics default to {TopicReplicas} replicas, the coordination bucket {CoordinationReplicas}; pings every {PingInterval}, {MaxPingsOut} missed drop the connection, requests time out after {RequestTimeout}")]
    public static partial void Connected(ILogger logger, string servers, int clusterSize, int topicReplicas, int coordinationReplicas, TimeSpan pingInterval, int maxPingsOut, TimeSpan requestTimeout);
}
