using Microsoft.Extensions.Logging;

namespace Shoal.Cluster.Leases;

/// <summary>
/// Acts on one member's leases: renews the held ones and drops those it cannot renew (or that were fenced), takes
/// free partitions, and hands partitions over (stop starting events, wait for the handler calls running, commit, then
/// release the lease). It is also the holder the runtime reports fences to, so <see cref="ClusterMember"/> does not
/// offer that interface to its users.
/// What to take and hand over is decided by the member (<see cref="RebalancePlanner"/>), not here. Every held lease
/// has its <see cref="SelfFence"/>: a partition whose renewal does not succeed in time is suspended by the member's own
/// clock, whether or not the store ever answers.
/// </summary>
internal sealed class LeaseKeeper(
    ConsumerGroup group,
    PartitionLeases leases,
    HeldLeases held,
    string memberId,
    TimeProvider time,
    TimeSpan? ttl,
    ILogger logger,
    Action wake) : IPartitionLeaseHolder
{
    private long _lost;

    /// <summary>Leases lost (taken over after they could not be renewed in time, or fenced at commit).</summary>
    public long Lost => Interlocked.Read(ref _lost);

    private string Group => group.Options.Name;

    /// <summary>Keeps what is ours: renews every held lease; a lease that cannot be renewed (or a fenced partition) is lost.</summary>
    public async Task RenewAsync(CancellationToken stop)
    {
        foreach (var h in held.Snapshot())
        {
            var sentAt = time.GetTimestamp();
            if (h.Fenced || await leases.TryRenewAsync(h.Lease, stop) is not { } renewed)
            {
                await LoseAsync(h);
                continue;
            }

            h.Lease = renewed;
            if (h.SelfFence is { } selfFence)
            {
                await selfFence.RenewedAsync(sentAt);
            }

            if (h.Releasing is { IsCompleted: true })
            {
                await FinishHandOverAsync(h, stop);
            }
        }
    }

    /// <summary>
    /// Starts handing <paramref name="h"/> over in the background (its stop must not delay renewals); the lease is
    /// released by the step that finds the hand-over done. <paramref name="releaseBeforeDrain"/> breaks the
    /// protocol on purpose (tests only): the lease is released at once, while the partition's handlers still run.
    /// </summary>
    public async Task HandOverAsync(HeldLease h, bool releaseBeforeDrain, CancellationToken stop)
    {
        if (releaseBeforeDrain)
        {
            var releasing = StopPartitionAsync(h.Partition);
            await FinishHandOverAsync(h, stop);
            _ = releasing;
            return;
        }

        h.Releasing = StopPartitionAsync(h.Partition);
    }

    /// <summary>Takes <paramref name="partition"/> when its lease can be acquired, and starts it under the lease's epoch.</summary>
    public async Task TakeAsync(int partition, CancellationToken stop)
    {
        var sentAt = time.GetTimestamp();
        if (await leases.TryAcquireAsync(partition, memberId, stop) is not { } lease)
        {
            return;
        }

        try
        {
            await group.StartPartitionAsync(partition, lease.Epoch, this, stop);
        }
        catch (PartitionFencedException)
        {
            // The offset record already carries a newer epoch (a lease record was reset by hand): leave it.
            await leases.ReleaseAsync(lease, stop);
            return;
        }

        // Without a TTL (a test switch) the member does not fence itself.
        var selfFence = ttl is { } validFor ? new SelfFence(group, time, validFor, logger, memberId, partition, lease.Epoch, sentAt) : null;
        held.Add(new HeldLease(partition, lease, selfFence));
        ClusterLog.Acquired(logger, Group, memberId, partition, lease.Epoch);
        Diagnostics.ClusterTelemetry.LeaseChanged(Group, group.Options.Topic, "acquired");
    }

    /// <summary>
    /// The graceful stop of one held partition: waits for its hand-over (or stops it: wait for the running handler
    /// calls, commit), then releases the lease unless the partition was fenced.
    /// </summary>
    public async Task LeaveAsync(HeldLease h, CancellationToken cancellationToken)
    {
        if (h.Releasing is { } releasing)
        {
            await releasing;
        }
        else
        {
            await group.StopPartitionAsync(h.Partition, cancellationToken);
        }

        try
        {
            if (!h.Fenced && await leases.ReleaseAsync(h.Lease, cancellationToken))
            {
                ClusterLog.Released(logger, Group, memberId, h.Partition, h.Lease.Epoch);
                Diagnostics.ClusterTelemetry.LeaseChanged(Group, group.Options.Topic, "released");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The partition is stopped and committed; a store error only delays the next owner until the lease
            // expires. Stopping must not fail for it.
            ClusterLog.ReleaseFailed(logger, ex, Group, memberId, h.Partition, h.Lease.Epoch);
        }
    }

    /// <summary>A commit of a partition started under <paramref name="epoch"/> was fenced: the member's next step drops it.</summary>
    public void OnPartitionFenced(string group, int partition, long epoch)
    {
        held.MarkFenced(partition, epoch);
        wake();
    }

    private async Task StopPartitionAsync(int partition)
    {
        try
        {
            await group.StopPartitionAsync(partition, CancellationToken.None);
        }
        finally
        {
            wake();
        }
    }

    private async Task FinishHandOverAsync(HeldLease h, CancellationToken stop)
    {
        held.Remove(h.Partition);
        if (await leases.ReleaseAsync(h.Lease, stop))
        {
            ClusterLog.Released(logger, Group, memberId, h.Partition, h.Lease.Epoch);
            Diagnostics.ClusterTelemetry.LeaseChanged(Group, group.Options.Topic, "released");
        }
    }

    private async Task LoseAsync(HeldLease h)
    {
        held.Remove(h.Partition);
        Interlocked.Increment(ref _lost);
        ClusterLog.Lost(logger, Group, memberId, h.Partition, h.Lease.Epoch);
        Diagnostics.ClusterTelemetry.LeaseChanged(Group, group.Options.Topic, "lost");
        if (h.Releasing is { } releasing)
        {
            // The hand-over's stop goes on in the background: it is bounded (drain timeout), and fenced (its commit is
            // rejected once the next owner has written its epoch). Awaiting it here stalled this loop (no renewals, no
            // takes) for as long as a handler ignored its token, while the heartbeat told the group all was well.
            _ = ForgetAsync(releasing);
        }
        else
        {
            await group.AbandonPartitionAsync(h.Partition);
        }
    }

    /// <summary>Lets <paramref name="task"/> finish unobserved (its failures are logged where they happen).</summary>
    private static async Task ForgetAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // The partition consumer logged it; nobody waits for this task.
        }
    }
}
