namespace Shoal;

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
