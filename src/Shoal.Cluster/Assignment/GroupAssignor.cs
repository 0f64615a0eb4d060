namespace Shoal.Cluster;

/// <summary>
/// Chooses the assignor a member computes the group's target with: the assignor of the live member with the
/// lowest id (this member's own when that one does not say). Members configured with different assignors must
/// still compute one target, or a partition every member thinks is another's would never be taken.
/// </summary>
internal sealed class GroupAssignor(string memberId, AssignorKind configured)
{
    private readonly IAssignor _own = Assignors.Create(configured);
    private readonly Dictionary<AssignorKind, IAssignor> _others = [];

    public IAssignor For(IReadOnlyList<MemberRecord> live)
    {
        var leader = live.Where(r => r.Assignor is not null).MinBy(r => r.MemberId, StringComparer.Ordinal);
        if (leader is null || string.CompareOrdinal(memberId, leader.MemberId) < 0 || leader.Assignor == configured)
        {
            return _own;
        }

        var kind = leader.Assignor!.Value;
        if (!_others.TryGetValue(kind, out var assignor))
        {
            _others[kind] = assignor = Assignors.Create(kind);
        }

        return assignor;
    }
}
