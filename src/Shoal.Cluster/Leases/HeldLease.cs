namespace Shoal.Cluster.Leases;

/// <summary>
/// A lease this member holds, with what it is doing to it: the current lease (renewed every step), the hand-over
/// in progress (stop starting events, wait for the handler calls running, commit; the lease is released once it is
/// done), whether the runtime reported the partition fenced (the next step drops it), and the member's own deadline
/// for it (<see cref="SelfFence"/>: suspended unless renewed in time).
/// </summary>
internal sealed class HeldLease(int partition, PartitionLease lease, SelfFence? selfFence = null) : IDisposable
{
    public int Partition { get; } = partition;

    public PartitionLease Lease { get; set; } = lease;

    public Task? Releasing { get; set; }

    public volatile bool Fenced;

    /// <summary>The member's own deadline for the lease; null only in tests that hold leases by hand.</summary>
    public SelfFence? SelfFence { get; } = selfFence;

    /// <summary>Stops the self-fence timer: the lease is no longer held.</summary>
    public void Dispose() => SelfFence?.Dispose();
}
