namespace Shoal.Cluster;

/// <summary>A member record, whether its heartbeat is within its session TTL, and how old the heartbeat is (never negative).</summary>
public sealed record MemberStatus(MemberRecord Record, bool Live, TimeSpan HeartbeatAge)
{
    /// <summary>
    /// The session TTL the member is judged by: its own (<see cref="MemberRecord.SessionTtl"/>), or the reader's default
    /// for a record that does not state one.
    /// </summary>
    public TimeSpan SessionTtl { get; init; }
}
