namespace Shoal.Partitioning;

/// <summary>0, 1, 2, …, partitions-1, 0, … across all threads (one interlocked counter).</summary>
internal sealed class RoundRobinPartitioner : IUnkeyedPartitioner
{
    private long _next = -1;

    public int NextPartition(int partitions)
    {
        UnkeyedPartitioners.CheckPartitions(partitions);
        var n = (ulong)Interlocked.Increment(ref _next);
        return (int)(n % (ulong)partitions);
    }
}
