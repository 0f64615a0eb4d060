namespace Shoal.Cluster.Autoscaling;

/// <summary>What an <see cref="AutoscaleObserver"/> read at one instant.</summary>
/// <param name="At">When (the observer's clock).</param>
/// <param name="PartitionLag">End offset minus committed offset, per partition.</param>
/// <param name="LiveMembers">Members of the group whose heartbeat is within the session TTL.</param>
/// <param name="ArrivalRate">Events/s appended since the previous sample (0 on the first).</param>
/// <param name="ProcessedRate">Events/s committed by the group since the previous sample (0 on the first).</param>
/// <param name="ProcessingRatePerMember">
/// Events/s per live member, measured only over intervals in which every partition had a backlog at both ends (busy
/// members show their capacity; idle ones only the arrival rate); otherwise the last such measurement, or 0 if none.
/// </param>
public sealed record AutoscaleSample(
    DateTimeOffset At,
    IReadOnlyList<long> PartitionLag,
    int LiveMembers,
    double ArrivalRate,
    double ProcessedRate,
    double ProcessingRatePerMember)
{
    /// <summary>Total lag over all partitions.</summary>
    public long TotalLag => PartitionLag.Sum();

    /// <summary>
    /// The policy's input. <paramref name="currentMembers"/> is the count the scaler has asked for; without one, the
    /// live members are used (right for an observer that does not start members itself, such as <c>shoal status</c>).
    /// </summary>
    public AutoscaleInput ToInput(int? currentMembers = null) => new()
    {
        At = At,
        CurrentMembers = currentMembers ?? LiveMembers,
        Partitions = PartitionLag.Count,
        PartitionLag = PartitionLag,
        ArrivalRate = ArrivalRate,
        ProcessingRatePerMember = ProcessingRatePerMember,
    };
}
