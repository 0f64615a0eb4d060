using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Shoal.Engines.Nats;

/// <summary>Options of the NATS JetStream engine.</summary>
public sealed record NatsEngineOptions
{
    /// <summary>One local server, file-backed topics with as many replicas as the cluster allows (up to 3). A new instance on every call, so changing one (a configuration binder does) never changes another.</summary>
    public static NatsEngineOptions Default => new();

    /// <summary>How to reach the servers.</summary>
    public NatsConnectionOptions Connection { get; init; } = new();

    /// <summary>
    /// Replicas of a topic's streams when <see cref="TopicOptions.Replicas"/> is null (1–5; 3 needs a cluster of 3+).
    /// Default null: <c>min(3, cluster size)</c>, the cluster size being what the server announces (its cluster's client
    /// URLs) or the servers the URI names, whichever is more: 1 on a single server, 3 on a cluster of 3 or more.
    /// </summary>
    public int? DefaultReplicas { get; init; }

    /// <summary>Where topics' streams keep their data, unless <see cref="TopicStorage"/> names the topic. Default file.</summary>
    public NatsStorage Storage { get; init; } = NatsStorage.File;

    /// <summary>Per-topic storage, overriding <see cref="Storage"/> for the topics it names. Applied when the topic is created.</summary>
    public IReadOnlyDictionary<string, NatsStorage> TopicStorage { get; init; } = new Dictionary<string, NatsStorage>();

    /// <summary>
    /// Replicas of the coordination KV bucket (created on first connect; 1–5). Default null: <c>min(3, cluster size)</c>,
    /// as <see cref="DefaultReplicas"/>. An existing bucket keeps its replicas; one replica on a multi-server cluster is
    /// logged as a warning (event 4001) when the engine connects.
    /// </summary>
    public int? CoordinationReplicas { get; init; }

    /// <summary>
    /// Apply <see cref="RetentionOptions.MaxBytesPerPartition"/> as the streams' <c>max_bytes</c>. Off by default, because
    /// JetStream reserves a stream's <c>max_bytes</c> against the server's storage limit when the stream is created
    /// (12 partitions × 1 GiB reserves 12 GiB), so the count and age limits apply and the byte limit does not.
    /// </summary>
    public bool ApplyByteLimits { get; init; }

    /// <summary>
    /// The largest event accepted, in bytes as sent: payload plus headers (id, key, type, content type, timestamp,
    /// application headers). Default 1 MiB − 4 KiB; never more than the server's <c>max_payload</c> allows.
    /// </summary>
    public int MaxEventBytes { get; init; } = (1 << 20) - 4096;

    /// <summary>Publish acknowledgements outstanding at once per append call (the async publish window). Default 1024.</summary>
    public int PublishWindow { get; init; } = 1024;

    /// <summary>Events a partition reader buffers ahead of <see cref="Shoal.Engine.IEventLog.ReadAsync"/>. Default 1024.</summary>
    public int ReadAhead { get; init; } = 1024;

    /// <summary>Loggers for the NATS client. Default none.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (Connection is null)
        {
            throw new ShoalConfigurationException("NatsEngineOptions.Connection", "must not be null.");
        }

        Connection.Validate();
        if (DefaultReplicas is { } replicas)
        {
            OptionChecks.Range("NatsEngineOptions.DefaultReplicas", replicas, 1, 5);
        }

        if (CoordinationReplicas is { } coordinationReplicas)
        {
            OptionChecks.Range("NatsEngineOptions.CoordinationReplicas", coordinationReplicas, 1, 5);
        }
        OptionChecks.Defined("NatsEngineOptions.Storage", Storage);
        if (TopicStorage is null)
        {
            throw new ShoalConfigurationException("NatsEngineOptions.TopicStorage", "must not be null.");
        }

        foreach (var (topic, storage) in TopicStorage)
        {
            NameRules.Validate("NatsEngineOptions.TopicStorage", topic);
            OptionChecks.Defined("NatsEngineOptions.TopicStorage", storage);
        }

        OptionChecks.Range("NatsEngineOptions.MaxEventBytes", MaxEventBytes, 1, 64 << 20);
        OptionChecks.Range("NatsEngineOptions.PublishWindow", PublishWindow, 1, 1_000_000);
        OptionChecks.Range("NatsEngineOptions.ReadAhead", ReadAhead, 1, 1_000_000);
        if (LoggerFactory is null)
        {
            throw new ShoalConfigurationException("NatsEngineOptions.LoggerFactory", "must not be null.");
        }
    }
}
