namespace Shoal.Scenarios.Workload;

/// <summary>The autoscaling policy's answer for a group in <c>shoal status</c>.</summary>
public sealed record AutoscaleStatus
{
    /// <summary>Members the policy recommends now (unstabilized; 1 to the partition count).</summary>
    public int DesiredMembers { get; init; }

    /// <summary>Members whose heartbeat is within the session TTL.</summary>
    public int LiveMembers { get; init; }

    /// <summary>camelCase <c>AutoscaleReason</c>, e.g. scaleUp, steady, noThroughputEstimate.</summary>
    public required string Reason { get; init; }

    /// <summary>Total lag the decision saw (end offsets minus committed offsets, summed over partitions).</summary>
    public long Lag { get; init; }

    /// <summary>Events/s appended and committed between the two samples.</summary>
    public double ArrivalRate { get; init; }

    /// <summary>Events/s committed between the two samples.</summary>
    public double ProcessedRate { get; init; }

    /// <summary>Events/s one member handles when busy (0 when the group was not saturated between the samples: no estimate).</summary>
    public double PerMemberRate { get; init; }

    /// <summary>Time between the two samples.</summary>
    public long SampledMs { get; init; }
}
