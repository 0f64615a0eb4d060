namespace Shoal.Partitioning;

/// <summary>
/// Kafka's sticky partitioner, counted in events: <c>batchSize</c> events in a row go to one randomly chosen
/// partition, then the next run goes to a different random partition (the same one only when there is a single partition).
/// </summary>
internal sealed class StickyPartitioner : IUnkeyedPartitioner
{
    private readonly Lock _gate = new();
    private readonly Random _random;
    private readonly int _batchSize;
    private int _current = -1;
    private int _remaining;

    public StickyPartitioner(Random random, int batchSize)
    {
        _random = random;
        _batchSize = batchSize;
    }

    public int NextPartition(int partitions)
    {
        UnkeyedPartitioners.CheckPartitions(partitions);
        lock (_gate)
        {
            if (_remaining == 0 || _current >= partitions)
            {
                _current = Switch(partitions);
                _remaining = _batchSize;
            }

            _remaining--;
            return _current;
        }
    }

    private int Switch(int partitions)
    {
        if (_current < 0 || _current >= partitions)
        {
            return _random.Next(partitions);
        }

        if (partitions == 1)
        {
            return 0;
        }

        // Uniform over the other partitions-1 partitions.
        var next = _random.Next(partitions - 1);
        return next >= _current ? next + 1 : next;
    }
}
