using Shoal.Diagnostics;
using Shoal.Engine;

namespace Shoal.Processing;

/// <summary>
/// One partition's committed-offset record for one group, as its current owner sees and writes it. Claiming it at
/// start fences older owners: the record is rewritten carrying the new owner's epoch, so an older owner's next
/// compare-and-set fails and finds the newer epoch. Every commit is a compare-and-set on the revision this owner
/// last wrote or read. The caller serializes commits (one at a time per partition).
/// </summary>
internal sealed class OffsetCommitter(GroupContext group, int partition)
{
    private readonly string _key = CoordinationKeys.Offset(group.Topic, group.Group, partition);
    private long _committed;
    private IReadOnlyList<OffsetRange> _committedDone = [];
    private long _revision;
    private long _epoch;
    private long _rejected;

    /// <summary>How a commit ended.</summary>
    public enum Outcome
    {
        /// <summary>Written, or nothing new to write.</summary>
        Committed,

        /// <summary>Rejected: a newer epoch owns the partition (or its record is gone). This owner must stop without committing.</summary>
        Fenced,

        /// <summary>Lost the compare-and-set twice to writes of the same or an older epoch; try again later.</summary>
        Conflict,
    }

    /// <summary>The last committed offset (the next offset the group will process after a restart).</summary>
    public long Committed => Volatile.Read(ref _committed);

    /// <summary>The done offsets above <see cref="Committed"/> that were committed with it.</summary>
    public IReadOnlyList<OffsetRange> CommittedDone => _committedDone;

    /// <summary>The fencing epoch this owner commits with (0 outside a cluster).</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    /// <summary>Commits rejected because a newer owner fenced the partition.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>
    /// Loads the committed offset (creating it at the group's start position within <paramref name="offsets"/> if
    /// absent). With an <paramref name="epoch"/> (a cluster lease), first fences the offset record: rewrites it
    /// carrying this epoch, so any older owner's next commit fails its compare-and-set and is rejected.
    /// </summary>
    /// <exception cref="PartitionFencedException">The record already carries a newer epoch: this lease is stale.</exception>
    public async Task ClaimAsync(long? epoch, PartitionOffsets offsets, CancellationToken cancellationToken)
    {
        var store = group.Engine.Coordination;
        while (true)
        {
            var entry = await store.GetAsync(_key, cancellationToken);
            if (entry is { } existing)
            {
                if (!CommittedOffset.TryDecode(existing.Value.Span, out var committed))
                {
                    throw new ShoalException($"The committed offset record '{_key}' is not valid; expected {{\"offset\":N,\"epoch\":E}}.");
                }

                if (epoch is not { } fence || fence == committed.Epoch)
                {
                    _committed = committed.Offset;
                    _committedDone = committed.Done;
                    _epoch = committed.Epoch;
                    _revision = existing.Revision;
                    break;
                }

                if (committed.Epoch > fence)
                {
                    throw new PartitionFencedException(group.Group, group.Topic, partition, fence, committed.Epoch);
                }

                var fenced = await store.TryUpdateAsync(_key, (committed with { Epoch = fence }).Encode(), existing.Revision, cancellationToken);
                if (fenced is { } revision)
                {
                    _committed = committed.Offset;
                    _committedDone = committed.Done;
                    _epoch = fence;
                    _revision = revision;
                    break;
                }

                continue;
            }

            var start = group.Options.StartPosition == StartPosition.Latest ? offsets.End : offsets.Start;
            var createdEpoch = epoch ?? 0;
            if (await store.TryCreateAsync(_key, new CommittedOffset(start, createdEpoch).Encode(), cancellationToken) is { } created)
            {
                _committed = start;
                _epoch = createdEpoch;
                _revision = created;
                break;
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="point"/> if it differs from what is committed. A lost compare-and-set reads the
    /// record: a newer epoch (or no record) means this owner was fenced (counted and logged here; the caller
    /// stops); the same or an older epoch (an operator tool rewrote the record) is overwritten once.
    /// </summary>
    public async ValueTask<Outcome> CommitAsync(CommittedOffset point, CancellationToken cancellationToken)
    {
        var watermark = point.Offset;
        if (watermark == _committed && point.Done.SequenceEqual(_committedDone))
        {
            return Outcome.Committed;
        }

        var record = point.Encode();
        var revision = await group.Engine.Coordination.TryUpdateAsync(_key, record, _revision, cancellationToken);
        if (revision is null)
        {
            var current = await group.Engine.Coordination.GetAsync(_key, cancellationToken);
            var storedEpoch = current is { } c && CommittedOffset.TryDecode(c.Value.Span, out var stored) ? stored.Epoch : -1;
            if (current is null || (storedEpoch > _epoch && !group.UnsafeCommitWithoutFencing))
            {
                // A newer owner fenced this partition: this member is a zombie for it. Stop at once, commit nothing.
                RuntimeLog.CommitRejected(group.Logger, group.Group, group.Topic, partition, storedEpoch, _epoch);
                Interlocked.Increment(ref _rejected);
                Telemetry.CommitsRejected.Add(1, group.Tags);
                return Outcome.Fenced;
            }

            // Same or older epoch (e.g. an operator tool rewrote the record): take its revision and write ours.
            revision = await group.Engine.Coordination.TryUpdateAsync(_key, record, current.Value.Revision, cancellationToken);
            if (revision is null)
            {
                return Outcome.Conflict;
            }
        }

        _revision = revision.Value;
        _committedDone = point.Done;
        Volatile.Write(ref _committed, watermark);
        Telemetry.Commits.Add(1, group.Tags);
        return Outcome.Committed;
    }
}
