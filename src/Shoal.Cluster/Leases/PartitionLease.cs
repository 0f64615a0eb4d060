namespace Shoal.Cluster.Leases;

/// <summary>
/// A member's hold on one partition of a group. <see cref="Epoch"/> is the fencing token: it grows by one each
/// time the lease changes hands, and every offset commit carries it.
/// </summary>
/// <param name="Partition">The partition.</param>
/// <param name="Owner">The member holding it.</param>
/// <param name="Epoch">The fencing epoch of this tenure.</param>
/// <param name="ExpiresAtMs">When the lease lapses unless renewed (Unix ms of the holder's clock).</param>
/// <param name="Revision">The coordination-store revision the holder last wrote (for compare-and-set).</param>
public readonly record struct PartitionLease(int Partition, string Owner, long Epoch, long ExpiresAtMs, long Revision);
