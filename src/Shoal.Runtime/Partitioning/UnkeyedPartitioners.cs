namespace Shoal.Partitioning;

/// <summary>Creates the <see cref="IUnkeyedPartitioner"/> for an <see cref="UnkeyedPartitioning"/>.</summary>
internal static class UnkeyedPartitioners
{
    /// <summary>
    /// The partitioner for <paramref name="kind"/>. <paramref name="random"/> supplies every random choice (seed it
    /// for reproducible runs); the partitioner serializes its own use of it, so do not share it with code that
    /// uses it concurrently without the same care. <paramref name="stickyBatchSize"/> (events per partition run) is used by
    /// <see cref="UnkeyedPartitioning.Sticky"/> only.
    /// </summary>
    public static IUnkeyedPartitioner Create(UnkeyedPartitioning kind, Random random, int stickyBatchSize)
    {
        ArgumentNullException.ThrowIfNull(random);
        return kind switch
        {
            UnkeyedPartitioning.RoundRobin => new RoundRobinPartitioner(),
            UnkeyedPartitioning.Random => new RandomPartitioner(random),
            UnkeyedPartitioning.Sticky when stickyBatchSize < 1 => throw new ShoalConfigurationException(nameof(stickyBatchSize),
                $"must be at least 1; was {stickyBatchSize}."),
            UnkeyedPartitioning.Sticky => new StickyPartitioner(random, stickyBatchSize),
            _ => throw new ShoalConfigurationException(nameof(UnkeyedPartitioning),
                $"'{kind}' is not one of {string.Join(", ", Enum.GetNames<UnkeyedPartitioning>())}."),
        };
    }

    internal static void CheckPartitions(int partitions)
    {
        if (partitions < 1)
        {
            throw new ShoalConfigurationException(nameof(partitions), $"must be at least 1; was {partitions}.");
        }
    }
}
