using Shoal.Cluster.Leases;
using Shoal.Engine;

namespace Shoal.Cluster;

/// <summary>
/// Reads a group's cluster records (member heartbeats and partition leases) from a coordination store, for tools
/// that watch a cluster without joining it (<c>shoal status</c>, dashboards). Read-only: nothing here writes.
/// </summary>
public static class ClusterRecords
{
    /// <summary>Every member record of <paramref name="group"/> that decodes, ordered by member id (records that do not decode are skipped).</summary>
    public static async ValueTask<IReadOnlyList<MemberRecord>> ListMembersAsync(ICoordinationStore store, string group, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        NameRules.Validate(nameof(group), group);
        var members = new List<MemberRecord>();
        foreach (var entry in await store.ListAsync(CoordinationKeys.GroupMembersPrefix(group), cancellationToken))
        {
            if (MemberRecordCodec.TryDecode(entry.Value.Span, out var record) && record is not null)
            {
                members.Add(record);
            }
        }

        members.Sort((a, b) => string.CompareOrdinal(a.MemberId, b.MemberId));
        return members;
    }

    /// <summary>
    /// Every partition lease record of <paramref name="group"/> on <paramref name="topic"/>, ordered by partition. A
    /// released lease has an empty <see cref="PartitionLease.Owner"/>; an expired one an <see cref="PartitionLease.ExpiresAtMs"/> in the past.
    /// </summary>
    /// <exception cref="ShoalException">A lease record is not valid.</exception>
    public static async ValueTask<IReadOnlyList<PartitionLease>> ListLeasesAsync(ICoordinationStore store, string topic, string group, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        NameRules.Validate(nameof(topic), topic);
        NameRules.Validate(nameof(group), group);
        var prefix = CoordinationKeys.GroupLeasesPrefix(topic, group);
        var leases = new List<PartitionLease>();
        foreach (var entry in await store.ListAsync(prefix, cancellationToken))
        {
            if (int.TryParse(entry.Key.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var partition))
            {
                var record = LeaseRecord.Decode(entry.Value.Span, entry.Key);
                leases.Add(new PartitionLease(partition, record.Owner, record.Epoch, record.ExpiresAtMs, entry.Revision));
            }
        }

        leases.Sort((a, b) => a.Partition.CompareTo(b.Partition));
        return leases;
    }
}
