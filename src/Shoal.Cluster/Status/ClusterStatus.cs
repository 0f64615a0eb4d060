using Shoal.Cluster.Leases;
using Shoal.Engine;

namespace Shoal.Cluster;

/// <summary>
/// Reads what the cluster looks like from the coordination store and the log alone (member records, lease records,
/// committed offsets, end offsets), so any process — an HTTP server, a status command — can show a group without
/// being one of its members.
/// </summary>
public static class ClusterStatus
{
    /// <summary>Every group that has member records, leases or committed offsets, ordered by name.</summary>
    public static async ValueTask<IReadOnlyList<string>> ListGroupsAsync(IShoalEngine engine, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var groups = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (_, group) in await ListTopicGroupsAsync(engine.Coordination, cancellationToken))
        {
            groups.Add(group);
        }

        foreach (var entry in await engine.Coordination.ListAsync(CoordinationKeys.MembersRoot, cancellationToken))
        {
            if (Split(entry.Key.AsSpan(CoordinationKeys.MembersRoot.Length)) is [var group, _])
            {
                groups.Add(group);
            }
        }

        return [.. groups];
    }

    /// <summary>
    /// The group's members, and per topic it consumes each partition's owner, epoch, committed and end offsets, and its
    /// dead-letter count; null when the store knows nothing of the group. A member is live while its heartbeat is
    /// younger than its own session TTL (<see cref="MemberRecord.SessionTtl"/>), or than
    /// <paramref name="defaultSessionTtl"/> for a record that does not state one (<see cref="MembershipView.IsLive"/>); a
    /// lease names an owner only while unexpired. Both are judged by <paramref name="time"/>, read after the records, so
    /// no heartbeat or lease looks younger than it is.
    /// </summary>
    public static async ValueTask<GroupStatus?> ReadGroupAsync(IShoalEngine engine, string group, TimeSpan defaultSessionTtl, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(time);
        NameRules.Validate(nameof(group), group);
        var store = engine.Coordination;
        var records = await ClusterRecords.ListMembersAsync(store, group, cancellationToken);
        var now = time.GetUtcNow();
        var members = records
            .Select(record => new MemberStatus(record, MembershipView.IsLive(record, now, defaultSessionTtl), MembershipView.HeartbeatAge(record, now))
            {
                SessionTtl = record.SessionTtl ?? defaultSessionTtl,
            })
            .ToList();

        var topics = new List<GroupTopicStatus>();
        foreach (var (topic, _) in (await ListTopicGroupsAsync(store, cancellationToken)).Where(p => p.Group == group).OrderBy(p => p.Topic, StringComparer.Ordinal))
        {
            if (await ReadTopicAsync(engine, topic, group, time, cancellationToken) is { } status)
            {
                topics.Add(status);
            }
        }

        return members.Count == 0 && topics.Count == 0 ? null : new GroupStatus(group, now, members, topics);
    }

    /// <summary>
    /// <see cref="ReadGroupAsync"/> for every group <see cref="ListGroupsAsync"/> finds (or only <paramref name="group"/>
    /// when given), ordered by name; groups the store knows nothing of are left out.
    /// </summary>
    public static async ValueTask<IReadOnlyList<GroupStatus>> ReadGroupsAsync(IShoalEngine engine, string? group, TimeSpan defaultSessionTtl, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var names = group is null ? await ListGroupsAsync(engine, cancellationToken) : [group];
        var groups = new List<GroupStatus>(names.Count);
        foreach (var name in names)
        {
            if (await ReadGroupAsync(engine, name, defaultSessionTtl, time, cancellationToken) is { } status)
            {
                groups.Add(status);
            }
        }

        return groups;
    }

    private static async ValueTask<GroupTopicStatus?> ReadTopicAsync(IShoalEngine engine, string topic, string group, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await engine.Log.DescribeTopicAsync(topic, cancellationToken) is not { } description)
        {
            return null;
        }

        var leases = (await ClusterRecords.ListLeasesAsync(engine.Coordination, topic, group, cancellationToken))
            .ToDictionary(l => l.Partition, l => new LeaseRecord(l.Owner, l.Epoch, l.ExpiresAtMs));
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();

        var committed = await CommittedOffset.ReadGroupAsync(engine.Coordination, topic, group, cancellationToken);

        var partitions = new PartitionStatus[description.Partitions];
        for (var p = 0; p < partitions.Length; p++)
        {
            var offsets = await engine.Log.GetOffsetsAsync(topic, p, cancellationToken);
            var lease = leases.TryGetValue(p, out var l) ? l : (LeaseRecord?)null;
            long? commit = committed.TryGetValue(p, out var c) ? c.Offset : null;
            var epoch = Math.Max(lease?.Epoch ?? 0, committed.TryGetValue(p, out var ce) ? ce.Epoch : 0);
            var owner = lease is { } held && !held.IsFree(nowMs) ? held.Owner : null;
            partitions[p] = new PartitionStatus(p, owner, epoch, commit, offsets.Start, offsets.End)
            {
                Lease = lease switch
                {
                    null => LeaseState.None,
                    { Owner.Length: 0 } => LeaseState.Released,
                    { } x when x.ExpiresAtMs <= nowMs => LeaseState.Expired,
                    _ => LeaseState.Held,
                },
                LeaseExpiresAt = lease is { Owner.Length: > 0 } x2 ? DateTimeOffset.FromUnixTimeMilliseconds(x2.ExpiresAtMs) : null,
            };
        }

        long deadLetters = 0;
        var deadLetterTopic = new GroupOptions { Name = group, Topic = topic }.DeadLetterTopic;
        if (await engine.Log.DescribeTopicAsync(deadLetterTopic, cancellationToken) is { } dlq)
        {
            for (var p = 0; p < dlq.Partitions; p++)
            {
                deadLetters += (await engine.Log.GetOffsetsAsync(deadLetterTopic, p, cancellationToken)).End;
            }
        }

        return new GroupTopicStatus(topic, partitions, deadLetters);
    }

    /// <summary>(topic, group) pairs named by committed offsets and lease records.</summary>
    private static async ValueTask<HashSet<(string Topic, string Group)>> ListTopicGroupsAsync(ICoordinationStore store, CancellationToken cancellationToken)
    {
        var pairs = new HashSet<(string, string)>();
        foreach (var record in await CommittedOffset.ListAsync(store, cancellationToken: cancellationToken))
        {
            pairs.Add((record.Topic, record.Group));
        }

        foreach (var entry in await store.ListAsync(CoordinationKeys.LeasesRoot, cancellationToken))
        {
            if (Split(entry.Key.AsSpan(CoordinationKeys.LeasesRoot.Length)) is [var topic, var group, _])
            {
                pairs.Add((topic, group));
            }
        }

        return pairs;
    }

    private static string[] Split(ReadOnlySpan<char> rest) => rest.ToString().Split('/');
}
