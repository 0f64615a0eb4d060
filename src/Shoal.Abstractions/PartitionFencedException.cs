namespace Shoal;

/// <summary>A partition's offset record carries a newer fencing epoch than the one presented: that lease is stale.</summary>
public sealed class PartitionFencedException : ShoalException
{
    public PartitionFencedException(string group, string topic, int partition, long epoch, long currentEpoch)
        : base($"Partition {partition} of '{topic}' in group '{group}' is owned under epoch {currentEpoch}; epoch {epoch} is stale.")
    {
        Partition = partition;
        Epoch = epoch;
        CurrentEpoch = currentEpoch;
    }

    public int Partition { get; }

    public long Epoch { get; }

    public long CurrentEpoch { get; }
}
