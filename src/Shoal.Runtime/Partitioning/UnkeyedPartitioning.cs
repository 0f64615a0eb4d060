namespace Shoal.Partitioning;

/// <summary>How events without a key are spread over a topic's partitions.</summary>
public enum UnkeyedPartitioning
{
    /// <summary>Each event to the next partition in turn: the most even spread.</summary>
    RoundRobin,

    /// <summary>Each event to a random partition (from the injected, seedable <see cref="System.Random"/>).</summary>
    Random,

    /// <summary>
    /// Kafka's sticky partitioner: a run of events goes to one randomly chosen partition, then the next run to a
    /// different one — larger batches per partition, still even over time.
    /// </summary>
    Sticky,
}
