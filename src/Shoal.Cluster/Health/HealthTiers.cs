namespace Shoal.Cluster;

/// <summary>
/// Which live members take partitions: those of the best health present. While any member of weight &gt; 0 is
/// Healthy, Degraded and Unhealthy members get none (weight 0: they hand theirs over) — a member that loses and retakes
/// leases, or whose engine calls fail or are slow, stops getting work until it has been healthy for
/// <see cref="HealthOptions.RecoveryTime"/>. With no Healthy member the Degraded ones share by their weights, and with
/// only Unhealthy members (a fault that hits every member at once, such as each one cut from its server) they share
/// equally: a group never stops because all its members are unwell (Degraded members that publish weight 0, with <see cref="HealthOptions.DegradedWeightFactor"/> 0, count as Unhealthy here).
/// </summary>
/// <remarks>
/// A pure function of the members' records, so every member computes the same candidates from the same view.
/// </remarks>
internal static class HealthTiers
{
    /// <summary>Every member of <paramref name="live"/> as an assignment member, with weight 0 for those that take no partitions.</summary>
    public static List<AssignmentMember> Candidates(IReadOnlyCollection<MemberRecord> live)
    {
        ArgumentNullException.ThrowIfNull(live);
        foreach (var tier in (ReadOnlySpan<MemberHealth>)[MemberHealth.Healthy, MemberHealth.Degraded])
        {
            if (live.Any(r => r.Health == tier && r.Weight > 0))
            {
                return [.. live.Select(r => new AssignmentMember(r.MemberId, r.Health == tier ? r.Weight : 0))];
            }
        }

        // Only unwell members of published weight 0 (Unhealthy, or Degraded with DegradedWeightFactor 0) and healthy ones
        // of weight 0 (drained on purpose): the unwell ones share equally.
        return [.. live.Select(r => new AssignmentMember(r.MemberId, r.Health == MemberHealth.Healthy ? 0 : 1))];
    }
}
