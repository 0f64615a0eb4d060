namespace Shoal.Cluster.Leases;

/// <summary>
/// A lease this member holds, with what it is doing to it: the current lease (renewed every step), the hand-over
/// in progress (stop starting events, wait for the handler calls running, commit; the lease is released once it is
/// done), and whether the runtime reported the partition fenced (the next step drops it).
/// </summary>
internal sealed class HeldLease(int partition, PartitionLease lease)
{
    public int Partition { get; } = partition;

    public PartitionLease Lease { get; set; } = lease;

    public Task? Releasing { get; set; }

    public volatile bool Fenced;
}
