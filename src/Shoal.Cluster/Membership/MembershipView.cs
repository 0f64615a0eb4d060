namespace Shoal.Cluster;

/// <summary>
/// Which members of a group are live at one instant: a pure function of the member records and the observer's
/// clock. A record is live while <c>now − HeartbeatAt &lt; SessionTtl</c>, where the TTL is the member's own
/// (<see cref="MemberRecord.SessionTtl"/>) — a member that promises a heartbeat within 1 s is dead 1 s after its last,
/// whatever the observer runs with — or, for a record that does not state it, the observer's default. Every place that
/// judges a member alive (the cluster's watcher, the autoscaler, <see cref="ClusterStatus"/>, <c>shoal status</c>)
/// judges it here.
/// </summary>
/// <remarks>
/// Liveness compares the writer's heartbeat time with the observer's clock, so it assumes members' clocks agree
/// within a small fraction of the TTL (NTP keeps them within milliseconds; the TTL is tens of seconds). A member
/// whose clock runs ahead looks live a little longer, one whose clock lags dies a little sooner. On the in-process
/// engine every member shares one <see cref="TimeProvider"/>, so there is no skew.
/// </remarks>
public sealed class MembershipView
{
    private MembershipView(IReadOnlyList<MemberRecord> live, IReadOnlyList<MemberRecord> dead, DateTimeOffset at, DateTimeOffset? nextExpiry)
    {
        Live = live;
        Dead = dead;
        At = at;
        NextExpiry = nextExpiry;
    }

    /// <summary>A view with no members.</summary>
    public static MembershipView Empty { get; } = new([], [], DateTimeOffset.MinValue, null);

    /// <summary>Live members, ordered by member id (ordinal).</summary>
    public IReadOnlyList<MemberRecord> Live { get; }

    /// <summary>Members whose records are still stored but older than the TTL (crashed without deleting them), ordered by id.</summary>
    public IReadOnlyList<MemberRecord> Dead { get; }

    /// <summary>The observer's time the view was computed for.</summary>
    public DateTimeOffset At { get; }

    /// <summary>When the first live member will be dead if it writes no more heartbeats; null when none is live.</summary>
    public DateTimeOffset? NextExpiry { get; }

    /// <summary>
    /// True when the record is live at <paramref name="now"/>: its heartbeat is younger than its own session TTL, or
    /// than <paramref name="defaultSessionTtl"/> when the record does not state one.
    /// </summary>
    public static bool IsLive(MemberRecord record, DateTimeOffset now, TimeSpan defaultSessionTtl) =>
        now < ExpiresAt(record, defaultSessionTtl);

    /// <summary>When the member is dead unless it heartbeats again: its heartbeat time plus its session TTL (or the default).</summary>
    public static DateTimeOffset ExpiresAt(MemberRecord record, TimeSpan defaultSessionTtl)
    {
        ArgumentNullException.ThrowIfNull(record);
        var ttl = record.SessionTtl ?? defaultSessionTtl;
        return record.HeartbeatAt > DateTimeOffset.MaxValue - ttl ? DateTimeOffset.MaxValue : record.HeartbeatAt + ttl;
    }

    /// <summary>
    /// How long ago the member wrote its record, by the observer's clock; never negative (a record written after the
    /// observer read its clock, or by a host whose clock runs ahead, is 0 old).
    /// </summary>
    public static TimeSpan HeartbeatAge(MemberRecord record, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        var age = now - record.HeartbeatAt;
        return age > TimeSpan.Zero ? age : TimeSpan.Zero;
    }

    /// <summary>Splits <paramref name="records"/> into live and dead members at <paramref name="now"/> (see <see cref="IsLive"/>).</summary>
    public static MembershipView Compute(IEnumerable<MemberRecord> records, DateTimeOffset now, TimeSpan defaultSessionTtl)
    {
        ArgumentNullException.ThrowIfNull(records);
        var live = new List<MemberRecord>();
        var dead = new List<MemberRecord>();
        DateTimeOffset? nextExpiry = null;
        foreach (var record in records)
        {
            if (IsLive(record, now, defaultSessionTtl))
            {
                live.Add(record);
                var expiry = ExpiresAt(record, defaultSessionTtl);
                if (nextExpiry is null || expiry < nextExpiry)
                {
                    nextExpiry = expiry;
                }
            }
            else
            {
                dead.Add(record);
            }
        }

        live.Sort(static (a, b) => string.CompareOrdinal(a.MemberId, b.MemberId));
        dead.Sort(static (a, b) => string.CompareOrdinal(a.MemberId, b.MemberId));
        return new MembershipView(live, dead, now, nextExpiry);
    }

    /// <summary>The live member with <paramref name="memberId"/>, or null.</summary>
    public MemberRecord? Find(string memberId)
    {
        foreach (var record in Live)
        {
            if (string.Equals(record.MemberId, memberId, StringComparison.Ordinal))
            {
                return record;
            }
        }

        return null;
    }

    /// <summary>
    /// True when both views have the same live members with the same incarnation, weight, capacity, health and
    /// address — what assignment depends on. Heartbeat time and load alone do not count as a change.
    /// </summary>
    public bool SameMembership(MembershipView other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Live.Count != other.Live.Count)
        {
            return false;
        }

        for (var i = 0; i < Live.Count; i++)
        {
            var a = Live[i];
            var b = other.Live[i];
            if (!string.Equals(a.MemberId, b.MemberId, StringComparison.Ordinal)
                || !string.Equals(a.Incarnation, b.Incarnation, StringComparison.Ordinal)
                || a.Weight != b.Weight || a.Capacity != b.Capacity || a.Health != b.Health
                || !string.Equals(a.Address, b.Address, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
