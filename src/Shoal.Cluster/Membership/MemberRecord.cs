namespace Shoal.Cluster;

/// <summary>
/// A member's heartbeat record, stored at <c>shoal/members/{group}/{memberId}</c> (see <see cref="Shoal.Engine.CoordinationKeys.Member"/>)
/// as UTF-8 JSON and rewritten every heartbeat interval. A record whose <see cref="HeartbeatAt"/> is the member's
/// <see cref="SessionTtl"/> or more in the past belongs to a dead member (<see cref="MembershipView.IsLive"/>).
/// </summary>
public sealed record MemberRecord
{
    /// <summary>The member's id: 1–200 of <c>A–Z a–z 0–9 - _ .</c>. Stable ids (static membership) are encouraged.</summary>
    public required string MemberId { get; init; }

    /// <summary>
    /// Random per process start, so a member restarted with the same id is distinguishable from its previous run
    /// (16 lowercase hex digits).
    /// </summary>
    public required string Incarnation { get; init; }

    /// <summary>Share of partitions to give this member, already adjusted for <see cref="Health"/> (0 = none).</summary>
    public double Weight { get; init; } = 1;

    /// <summary>How many events the member handles at once (its in-flight limit); 0 when not stated.</summary>
    public int Capacity { get; init; }

    /// <summary>The member's health when it wrote the record.</summary>
    public MemberHealth Health { get; init; } = MemberHealth.Healthy;

    /// <summary>The member's load when it wrote the record.</summary>
    public MemberLoad Load { get; init; }

    /// <summary>When the member wrote the record, from its <see cref="TimeProvider"/> (stored as ms since the Unix epoch).</summary>
    public DateTimeOffset HeartbeatAt { get; init; }

    /// <summary>
    /// The session TTL the member runs with (its <see cref="ClusterOptions.SessionTtl"/>): every observer judges the
    /// member by this, whatever its own setting. Null in records written before members stated it; those are judged
    /// by the observer's default.
    /// </summary>
    public TimeSpan? SessionTtl { get; init; }

    /// <summary>Where the member can be reached (e.g. its HTTP endpoint), or null.</summary>
    public string? Address { get; init; }

    /// <summary>
    /// The assignor this member is configured with. Every member uses the one of the live member with the lowest id,
    /// so members configured differently (e.g. during a rolling change) still agree on one target assignment.
    /// </summary>
    public AssignorKind? Assignor { get; init; }
}
