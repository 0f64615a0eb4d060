namespace Shoal;

/// <summary>How a topic's payloads are encoded.</summary>
public enum SerializationFormat
{
    /// <summary>System.Text.Json, UTF-8 (the default).</summary>
    Json,

    /// <summary>MessagePack.</summary>
    MessagePack,

    /// <summary>Protocol Buffers through protobuf-net.</summary>
    Protobuf,

    /// <summary>XML through System.Xml.Serialization.</summary>
    Xml,
}

/// <summary>A topic: a name, a fixed number of partitions, a default payload format, de-duplication and retention.</summary>
public sealed record TopicOptions
{
    /// <summary>The topic's name (see <see cref="NameRules"/>).</summary>
    public required string Name { get; init; }

    /// <summary>Number of partitions, fixed for the topic's life. Default 12.</summary>
    public int Partitions { get; init; } = 12;

    /// <summary>Payload format for event types that do not choose their own. Default JSON.</summary>
    public SerializationFormat Format { get; init; } = SerializationFormat.Json;

    /// <summary>
    /// A repeated event id appended within this window is not stored twice. Default 2 minutes (as NATS JetStream);
    /// <see cref="TimeSpan.Zero"/> turns de-duplication off.
    /// </summary>
    public TimeSpan DeduplicationWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// At most this many recent ids are remembered per topic for de-duplication, so memory stays bounded
    /// even at high rates; a repeat is caught if it is within the window and within this many ids. Default 100,000.
    /// </summary>
    public int DeduplicationMaxIds { get; init; } = 100_000;

    /// <summary>
    /// How many copies of each partition a replicating engine keeps (NATS JetStream: the stream's replicas, 1–5),
    /// or null for the engine's default. Engines that do not replicate (in-process) ignore it.
    /// </summary>
    public int? Replicas { get; init; }

    /// <summary>When events may be discarded. See <see cref="RetentionOptions"/>.</summary>
    public RetentionOptions Retention { get; init; } = new();

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        NameRules.Validate("TopicOptions.Name", Name);
        OptionChecks.Range("TopicOptions.Partitions", Partitions, 1, 100_000);
        OptionChecks.Defined("TopicOptions.Format", Format);
        OptionChecks.NotNegative("TopicOptions.DeduplicationWindow", DeduplicationWindow);
        OptionChecks.Range("TopicOptions.DeduplicationMaxIds", DeduplicationMaxIds, 1, 100_000_000);
        if (Replicas is { } replicas)
        {
            OptionChecks.Range("TopicOptions.Replicas", replicas, 1, 5);
        }

        if (Retention is null)
        {
            throw new ShoalConfigurationException("TopicOptions.Retention", "must not be null.");
        }

        Retention.Validate();
    }
}

/// <summary>
/// Retention: events below the lowest committed offset of every group may be trimmed
/// (<see cref="TrimCommitted"/>), and independent of groups the size and age limits apply, as in Kafka.
/// </summary>
public sealed record RetentionOptions
{
    /// <summary>Trim committed events, keep at most 1 GiB and 1,000,000 events per partition, no age limit. A new instance on every call, so changing one (a configuration binder does) never changes another.</summary>
    public static RetentionOptions Default => new();

    /// <summary>Discard events every group has committed past. Default true. With no group yet, nothing is trimmed by this rule.</summary>
    public bool TrimCommitted { get; init; } = true;

    /// <summary>Keep at most this many events per partition (oldest discarded first). Default 1,000,000.</summary>
    public long MaxEventsPerPartition { get; init; } = 1_000_000;

    /// <summary>Keep at most this many payload bytes per partition (oldest discarded first). Default 1 GiB.</summary>
    public long MaxBytesPerPartition { get; init; } = 1L << 30;

    /// <summary>Discard events older than this. Default <see cref="Timeout.InfiniteTimeSpan"/> (no age limit).</summary>
    public TimeSpan MaxAge { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        OptionChecks.Range("RetentionOptions.MaxEventsPerPartition", MaxEventsPerPartition, 1, long.MaxValue);
        OptionChecks.Range("RetentionOptions.MaxBytesPerPartition", MaxBytesPerPartition, 1, long.MaxValue);
        OptionChecks.PositiveOrInfinite("RetentionOptions.MaxAge", MaxAge);
    }
}
