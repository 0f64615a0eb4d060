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

    [LoggerMessage(4003, LogLevel.Warning,
        "NATS: reading partition {Partition} of topic '{Topic}' from offset {Offset}: nothing came for {WaitedSeconds} s although the stream holds events from there on; the consumer is stuck (a replica that has not caught up?) and is replaced")]
    public static partial void StuckConsumer(ILogger logger, string topic, int partition, long offset, double waitedSeconds);

    [LoggerMessage(4004, LogLevel.Warning,
        "NATS: reading partition {Partition} of topic '{Topic}' from offset {Offset}: the consumer delivered offset {SkippedTo} next, skipping events the stream still holds (a replica missing them?); nothing past the gap was taken, and the consumer is replaced")]
    public static partial void ConsumerSkipped(ILogger logger, string topic, int partition, long offset, long skippedTo);

    [LoggerMessage(4010, LogLevel.Information,
        "NATS at {Servers}: nats-server {Version} in a cluster does not apply compare-and-set atomically (fixed in 2.11.0); every coordination update is confirmed by one more request to the bucket's leader (docs/nats.md)")]
    public static partial void ConfirmingUpdates(ILogger logger, string servers, string version);

    [LoggerMessage(4011, LogLevel.Debug,
        "NATS: creating the consumer to read partition {Partition} of topic '{Topic}' got no answer within {WaitMs} ms (a dead peer of the stream?); asking again")]
    public static partial void ConsumerCreationUnanswered(ILogger logger, string topic, int partition, double waitMs);
}
