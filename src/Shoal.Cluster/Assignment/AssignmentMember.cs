namespace Shoal.Cluster;

/// <summary>
/// A member taking part in assignment. <see cref="Weight"/> is its relative capacity: only
/// <see cref="AssignorKind.Weighted"/> shares partitions in proportion to it, but under every strategy a weight
/// of 0 means draining (an unhealthy member): it gets no partitions. The cluster layer passes a reduced weight
/// for a degraded member.
/// </summary>
public sealed record AssignmentMember(string Id, double Weight = 1.0)
{
    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Id))
        {
            throw new ShoalConfigurationException("AssignmentMember.Id", "must not be null or empty.");
        }

        if (!double.IsFinite(Weight) || Weight < 0)
        {
            throw new ShoalConfigurationException("AssignmentMember.Weight",
                $"must be a finite number ≥ 0 (0 drains the member); member '{Id}' has {Weight}.");
        }
    }
}
