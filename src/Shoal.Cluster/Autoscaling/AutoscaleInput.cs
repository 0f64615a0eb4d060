namespace Shoal.Cluster.Autoscaling;

/// <summary>
/// What the policy sees at one instant: lag per partition, the rates, and how many members there are. An
/// <see cref="AutoscaleObserver"/> computes it from the engine; a simulator or a test writes it directly.
/// </summary>
public sealed record AutoscaleInput
{
    /// <summary>When the inputs were measured (fake time in tests and simulations). Must not go backwards.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>
    /// The members the scaler has asked for (running or starting), like a Deployment's <c>spec.replicas</c>:
    /// decisions are relative to it, so members still starting are not asked for twice.
    /// </summary>
    public required int CurrentMembers { get; init; }

    /// <summary>The topic's partition count.</summary>
    public required int Partitions { get; init; }

    /// <summary>Lag per partition: end offset minus the group's committed offset (events not yet handled).</summary>
    public required IReadOnlyList<long> PartitionLag { get; init; }

    /// <summary>Events appended to the topic per second, recently.</summary>
    public required double ArrivalRate { get; init; }

    /// <summary>
    /// Events per second one member handles when it has work waiting (its capacity, not its current rate: an idle
    /// member's rate says nothing about what it could do). Zero or less when not known yet.
    /// </summary>
    public required double ProcessingRatePerMember { get; init; }

    /// <summary>Total lag over all partitions.</summary>
    public long TotalLag
    {
        get
        {
            long sum = 0;
            foreach (var lag in PartitionLag)
            {
                sum += lag;
            }

            return sum;
        }
    }
}
