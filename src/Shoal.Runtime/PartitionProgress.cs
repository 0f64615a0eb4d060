namespace Shoal;

/// <summary>A partition's progress in a group.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Committed">The committed offset: a restart resumes here.</param>
/// <param name="Processed">Every offset below this is done (committed at the next commit).</param>
public readonly record struct PartitionProgress(int Partition, long Committed, long Processed)
{
    /// <summary>The fencing epoch this node consumes the partition under (0 outside a cluster).</summary>
    public long Epoch { get; init; }

    /// <summary>Handler calls of the partition running now on this node.</summary>
    public int InFlight { get; init; }
}
