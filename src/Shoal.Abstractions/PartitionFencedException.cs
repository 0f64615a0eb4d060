namespace Shoal;

/// <summary>A partition's offset record carries a newer fencing epoch than the one presented: that lease is stale.</summary>
public sealed class PartitionFencedException : ShoalException
{
    /// <summary>Creates the exception: <paramref name="epoch"/> was presented for <paramref name="partition"/> of <paramref name="topic"/> in <paramref name="group"/>, whose offset record carries <paramref name="currentEpoch"/>.</summary>
    public PartitionFencedException(string group, string topic, int partition, long epoch, long currentEpoch)
        : base($"Partition {partition} of '{topic}' in group '{group}' is owned under epoch {currentEpoch}; epoch {epoch} is stale.")
    {
        Partition = partition;
        Epoch = epoch;
        CurrentEpoch = currentEpoch;
    }

    /// <summary>The partition whose lease is stale.</summary>
    public int Partition { get; }

    /// <summary>The epoch presented (the stale one).</summary>
    public long Epoch { get; }

    /// <summary>The newer epoch the partition's offset record carries.</summary>
    public long CurrentEpoch { get; }
}
