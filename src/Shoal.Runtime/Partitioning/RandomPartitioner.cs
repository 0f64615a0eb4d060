namespace Shoal.Partitioning;

/// <summary>A uniformly random partition per event, from the injected <see cref="Random"/> (not thread-safe, hence the lock).</summary>
internal sealed class RandomPartitioner : IUnkeyedPartitioner
{
    private readonly Lock _gate = new();
    private readonly Random _random;

    public RandomPartitioner(Random random) => _random = random;

    public int NextPartition(int partitions)
    {
        UnkeyedPartitioners.CheckPartitions(partitions);
        lock (_gate)
        {
            return _random.Next(partitions);
        }
    }
}
