using Shoal.Partitioning;

namespace Shoal;

/// <summary>How the publisher spreads unkeyed events.</summary>
public sealed record PublisherOptions
{
    /// <summary>Sticky partitioning with batches of 256, Kafka's default behaviour. A new instance on every call, so changing one (a configuration binder does) never changes another.</summary>
    public static PublisherOptions Default => new();

    /// <summary>The partitioner for events without a key. Keyed events always go by hash. Default sticky.</summary>
    public UnkeyedPartitioning Unkeyed { get; init; } = UnkeyedPartitioning.Sticky;

    /// <summary>For sticky partitioning: events sent to one partition before switching. Default 256.</summary>
    public int StickyBatchSize { get; init; } = 256;

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        OptionChecks.Defined("PublisherOptions.Unkeyed", Unkeyed);
        OptionChecks.Range("PublisherOptions.StickyBatchSize", StickyBatchSize, 1, 1_000_000);
    }
}
