namespace Shoal;

/// <summary>
/// The holder of the lease under whose epoch a partition was started with
/// <see cref="ConsumerGroup.StartPartitionAsync"/> (with <see cref="PartitionOwnership.Assigned"/>: the cluster
/// member). This is the one path by which the runtime reports that a newer epoch fenced a partition.
/// </summary>
public interface IPartitionLeaseHolder
{
    /// <summary>
    /// Called once (on the committing thread, so return quickly) when a commit of <paramref name="partition"/> of
    /// <paramref name="group"/> finds that an epoch newer than <paramref name="epoch"/> owns it: the partition has
    /// already stopped processing and committed nothing. The lease is lost; call
    /// <see cref="ConsumerGroup.AbandonPartitionAsync"/> next.
    /// </summary>
    void OnPartitionFenced(string group, int partition, long epoch);
}
