using Shoal.Engine;

namespace Shoal.Cluster.Leases;

/// <summary>
/// Takes, renews and releases the partition leases of one group, by compare-and-set in the coordination store.
/// Taking a lease (free, released, or expired) increments the partition's epoch; renewing keeps it; a renewal
/// that finds the record changed means the lease was lost. Expected outcomes are results (null/false).
/// </summary>
internal sealed class PartitionLeases
{
    private readonly ICoordinationStore _store;
    private readonly string _topic;
    private readonly string _group;
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;

    public PartitionLeases(ICoordinationStore store, string topic, string group, TimeProvider time, TimeSpan ttl)
    {
        _store = store;
        _topic = topic;
        _group = group;
        _time = time;
        _ttl = ttl;
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Every partition's lease record that exists, by partition.</summary>
    public async ValueTask<IReadOnlyDictionary<int, PartitionLease>> ListAsync(CancellationToken cancellationToken)
    {
        var prefix = CoordinationKeys.GroupLeasesPrefix(_topic, _group);
        var result = new Dictionary<int, PartitionLease>();
        foreach (var entry in await _store.ListAsync(prefix, cancellationToken))
        {
            if (int.TryParse(entry.Key.AsSpan(prefix.Length), System.Globalization.CultureInfo.InvariantCulture, out var partition))
            {
                var record = LeaseRecord.Decode(entry.Value.Span, entry.Key);
                result[partition] = new PartitionLease(partition, record.Owner, record.Epoch, record.ExpiresAtMs, entry.Revision);
            }
        }

        return result;
    }

    /// <summary>
    /// Takes the partition for <paramref name="member"/> if its lease is free, released or expired (or already
    /// this member's: then it is renewed under a new epoch, as a restarted member must fence its old self).
    /// Returns the lease, or null when another live member holds it or a competitor won the race.
    /// </summary>
    public async ValueTask<PartitionLease?> TryAcquireAsync(int partition, string member, CancellationToken cancellationToken)
    {
        var key = CoordinationKeys.Lease(_topic, _group, partition);
        var now = NowMs;
        var expires = now + (long)_ttl.TotalMilliseconds;
        var entry = await _store.GetAsync(key, cancellationToken);
        if (entry is not { } existing)
        {
            var created = new LeaseRecord(member, 1, expires);
            var revision = await _store.TryCreateAsync(key, created.Encode(), cancellationToken);
            return revision is { } r ? new PartitionLease(partition, member, 1, expires, r) : null;
        }

        var current = LeaseRecord.Decode(existing.Value.Span, key);
        if (!current.IsFree(now) && current.Owner != member)
        {
            return null;
        }

        var taken = new LeaseRecord(member, current.Epoch + 1, expires);
        var updated = await _store.TryUpdateAsync(key, taken.Encode(), existing.Revision, cancellationToken);
        if (updated is not { } u)
        {
            return null;
        }

        if (current.Owner.Length > 0 && current.Owner != member && Diagnostics.ClusterTelemetry.FailoverDuration.Enabled)
        {
            // Taken over from a member that stopped renewing: the partition had no working owner since its last renewal.
            var lastRenewal = current.ExpiresAtMs - (long)_ttl.TotalMilliseconds;
            Diagnostics.ClusterTelemetry.FailoverDuration.Record(Math.Max(0, now - lastRenewal), Diagnostics.ClusterTelemetry.Tags(_group, _topic));
        }

        return new PartitionLease(partition, member, taken.Epoch, expires, u);
    }

    /// <summary>Extends the lease by the TTL. Null when it was lost (the record changed: taken over after expiry, or deleted).</summary>
    public async ValueTask<PartitionLease?> TryRenewAsync(PartitionLease lease, CancellationToken cancellationToken)
    {
        var expires = NowMs + (long)_ttl.TotalMilliseconds;
        var record = new LeaseRecord(lease.Owner, lease.Epoch, expires);
        var revision = await _store.TryUpdateAsync(CoordinationKeys.Lease(_topic, _group, lease.Partition), record.Encode(), lease.Revision, cancellationToken);
        return revision is { } r ? lease with { ExpiresAtMs = expires, Revision = r } : null;
    }

    /// <summary>Gives the lease up (keeping its epoch) so the next owner can take it at once. False when it was already lost.</summary>
    public async ValueTask<bool> ReleaseAsync(PartitionLease lease, CancellationToken cancellationToken)
    {
        // Released: no owner, and when it was released (readers that predate this see 0 or a past time: free either
        // way), so members can tell a hand-over nobody has taken (RebalancePlanner: revoked after RevokeAfterMs).
        var record = new LeaseRecord(string.Empty, lease.Epoch, NowMs);
        var revision = await _store.TryUpdateAsync(CoordinationKeys.Lease(_topic, _group, lease.Partition), record.Encode(), lease.Revision, cancellationToken);
        return revision is not null;
    }
}
