using Shoal.Processing;

namespace Shoal;

/// <summary>
/// One group on this node, for the layer that decides which partitions the node consumes (the cluster
/// member, with <see cref="PartitionOwnership.Assigned"/>): start a partition under a fencing epoch, hand it
/// over gracefully, or abandon it when its lease is lost. Get it from <see cref="ShoalRuntime.GetGroup"/>.
/// </summary>
public sealed class ConsumerGroup
{
    private readonly GroupPartitions _group;

    internal ConsumerGroup(GroupPartitions group) => _group = group;

    /// <summary>The group's options.</summary>
    public GroupOptions Options => _group.Context.Options;

    /// <summary>The topic's partition count.</summary>
    public int PartitionCount => _group.PartitionCount;

    /// <summary>The partitions this node consumes now, with their progress and epochs.</summary>
    public IReadOnlyList<PartitionProgress> Partitions =>
        [.. _group.Partitions.Select(p => new PartitionProgress(p.Partition, p.Committed, p.Watermark) { Epoch = p.Epoch, InFlight = p.InFlight })];

    /// <summary>Events this node handled in the group, and handler attempts that failed, since it started.</summary>
    public (long Handled, long Failed) Counts => _group.Counts;

    /// <summary>Commits this node made that were rejected because a newer owner had fenced the partition.</summary>
    public long CommitsRejected => _group.CommitsRejected;

    /// <summary>
    /// Starts consuming <paramref name="partition"/> from its committed offset under <paramref name="epoch"/>:
    /// the offset record is rewritten with the epoch first, so older owners can no longer commit. Should a later
    /// commit find that a newer epoch owns the partition, the partition stops processing, commits nothing, and
    /// <paramref name="holder"/> (the holder of the lease that gave the epoch) is told through
    /// <see cref="IPartitionLeaseHolder.OnPartitionFenced"/>: the only way a fence is reported.
    /// </summary>
    /// <exception cref="PartitionFencedException">A newer epoch already owns the partition.</exception>
    public Task StartPartitionAsync(int partition, long epoch, IPartitionLeaseHolder holder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holder);
        return _group.AddPartitionAsync(partition, epoch, holder, cancellationToken);
    }

    /// <summary>
    /// Hands a partition over: stop fetching and starting events, wait for the handler calls running (up to the drain
    /// timeout, then cancel them), commit. Events fetched but not started are the next owner's.
    /// </summary>
    public Task StopPartitionAsync(int partition, CancellationToken cancellationToken = default) =>
        _group.RemovePartitionAsync(partition, cancellationToken);

    /// <summary>Stops a partition at once without committing: its lease was lost, the new owner redelivers from the commit.</summary>
    public Task AbandonPartitionAsync(int partition) => _group.AbandonPartitionAsync(partition);

    /// <summary>
    /// Suspends <paramref name="partition"/>, running here under <paramref name="epoch"/>, because the lease that gave
    /// the epoch may have expired: no further event starts, the handler calls running are cancelled through their
    /// <see cref="CancellationToken"/> (their events are not done and are not counted as failed attempts), and nothing is
    /// committed until <see cref="ResumePartitionAsync"/>. What was done before stays recorded on this node. Returns
    /// false when the partition does not run here under that epoch, is stopping, or is already suspended.
    /// </summary>
    public bool SuspendPartition(int partition, long epoch) => _group.SuspendPartition(partition, epoch);

    /// <summary>
    /// Ends a suspension (<see cref="SuspendPartition"/>) once the lease was renewed: after the cancelled handler calls
    /// have returned, the partition fetches again from its watermark and skips what it finished before. Returns false
    /// when it was not suspended, is stopping, or was suspended again meanwhile.
    /// </summary>
    public Task<bool> ResumePartitionAsync(int partition, long epoch) => _group.ResumePartitionAsync(partition, epoch);

    /// <summary>Commits every partition of this node now.</summary>
    public Task CommitAsync(CancellationToken cancellationToken = default) => _group.CommitAsync(cancellationToken);
}
