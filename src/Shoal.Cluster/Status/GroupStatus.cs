namespace Shoal.Cluster;

/// <summary>What a group looks like in the coordination store and the log at one moment (see <see cref="ClusterStatus"/>).</summary>
/// <param name="Group">The group.</param>
/// <param name="At">When it was read (from the reader's clock).</param>
/// <param name="Members">Every member record of the group, live or not, by id.</param>
/// <param name="Topics">Every topic the group has committed offsets or leases for.</param>
public sealed record GroupStatus(string Group, DateTimeOffset At, IReadOnlyList<MemberStatus> Members, IReadOnlyList<GroupTopicStatus> Topics);

/// <summary>A member record, whether its heartbeat is within its session TTL, and how old the heartbeat is (never negative).</summary>
public sealed record MemberStatus(MemberRecord Record, bool Live, TimeSpan HeartbeatAge)
{
    /// <summary>
    /// The session TTL the member is judged by: its own (<see cref="MemberRecord.SessionTtl"/>), or the reader's default
    /// for a record that does not state one.
    /// </summary>
    public TimeSpan SessionTtl { get; init; }
}

/// <summary>A group's progress on one topic.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partitions">Every partition of the topic, in order.</param>
/// <param name="DeadLetters">Events in the group's dead-letter topic (its end offsets summed; 0 when it does not exist).</param>
public sealed record GroupTopicStatus(string Topic, IReadOnlyList<PartitionStatus> Partitions, long DeadLetters)
{
    /// <summary>The group's lag on the topic: events appended but not yet committed, over every partition.</summary>
    public long Lag => Partitions.Sum(p => p.Lag);
}

/// <summary>One partition of a group's topic.</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Owner">The member holding an unexpired lease on it, or null (released, expired, never taken).</param>
/// <param name="Epoch">The fencing epoch of the last lease (0 when never leased).</param>
/// <param name="Committed">The committed offset (the next offset the group handles), or null when nothing was committed yet.</param>
/// <param name="Start">The first retained offset.</param>
/// <param name="End">The end offset (the next offset to be appended).</param>
public sealed record PartitionStatus(int Partition, string? Owner, long Epoch, long? Committed, long Start, long End)
{
    /// <summary>The state of the partition's lease record when it was read.</summary>
    public LeaseState Lease { get; init; }

    /// <summary>When the lease lapses unless renewed (in the past: lapsed); null when no member holds it (released or none).</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>Events appended but not committed: <c>End - Committed</c> (from the start offset when nothing was committed).</summary>
    public long Lag => Math.Max(0, End - Math.Max(Committed ?? Start, Start));
}

/// <summary>The state of a partition's lease record (see <see cref="PartitionStatus.Lease"/>).</summary>
public enum LeaseState
{
    /// <summary>No lease record: the partition was never taken.</summary>
    None,

    /// <summary>A member holds the lease and it has not expired.</summary>
    Held,

    /// <summary>Its holder stopped renewing it; the next owner takes it.</summary>
    Expired,

    /// <summary>Its holder handed it over (the record keeps the epoch, with no owner).</summary>
    Released,
}
