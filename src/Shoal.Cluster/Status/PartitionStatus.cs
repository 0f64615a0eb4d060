namespace Shoal.Cluster;

/// <summary>One partition of a group's topic.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Owner">The member holding an unexpired lease on it, or null (released, expired, never taken).</param>
/// <param name="Epoch">The fencing epoch of the last lease (0 when never leased).</param>
/// <param name="Committed">The committed offset (the next offset the group handles), or null when nothing was committed yet.</param>
/// <param name="Start">The first retained offset.</param>
/// <param name="End">The end offset (the next offset to be appended).</param>
public sealed record PartitionStatus(int Partition, string? Owner, long Epoch, long? Committed, long Start, long End)
{
    /// <summary>The state of the partition's lease record when it was read.</summary>
    public LeaseState Lease { get; init; }

    /// <summary>When the lease lapses unless renewed (in the past: lapsed); null when no member holds it (released or none).</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>Events appended but not committed: <c>End - Committed</c> (from the start offset when nothing was committed).</summary>
    public long Lag => Math.Max(0, End - Math.Max(Committed ?? Start, Start));
}
