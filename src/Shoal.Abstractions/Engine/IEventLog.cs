namespace Shoal.Engine;

/// <summary>
/// Per topic, a fixed number of partitions; each partition an append-only sequence of events with dense
/// offsets from 0. The end offset is the offset the next event will get (Kafka's log-end offset).
/// Nothing about consumers or groups lives here.
/// </summary>
public interface IEventLog
{
    /// <summary>
    /// Creates the topic if it does not exist and returns its description. Creating an existing topic with
    /// the same partition count is a no-op; with a different one it throws <see cref="ShoalConfigurationException"/>.
    /// </summary>
    ValueTask<TopicDescription> CreateTopicAsync(TopicOptions topic, CancellationToken cancellationToken = default);

    /// <summary>The topic's description, or null when it does not exist.</summary>
    ValueTask<TopicDescription?> DescribeTopicAsync(string topic, CancellationToken cancellationToken = default);

    /// <summary>All topics.</summary>
    ValueTask<IReadOnlyList<TopicDescription>> ListTopicsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends a batch to one partition, all or nothing. For each event, <paramref name="results"/> receives the
    /// offset it was stored at, or — when it asks for <see cref="EventEnvelope.Deduplicate"/> and its id was
    /// already appended (with the same request) to the topic within the de-duplication
    /// window — the original offset (or -1 if no longer known) with <see cref="AppendedEvent.Duplicate"/> set.
    /// The caller owns the events' payload memory and may reuse it once the call completes: an engine copies
    /// what it keeps.
    /// </summary>
    /// <exception cref="TopicNotFoundException">The topic does not exist.</exception>
    /// <exception cref="EventTooLargeException">An event exceeds the engine's size limit; nothing was stored.</exception>
    ValueTask AppendAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, Memory<AppendedEvent> results, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads events of one partition starting at <paramref name="fromOffset"/> into <paramref name="destination"/>,
    /// waiting until at least one is available. Returns how many were written. If <paramref name="fromOffset"/>
    /// is below the partition's start offset (trimmed by retention), reading starts at the start offset;
    /// every event carries its own <see cref="EventEnvelope.Offset"/>, so the caller sees the gap.
    /// </summary>
    ValueTask<int> ReadAsync(string topic, int partition, long fromOffset, Memory<EventEnvelope> destination, CancellationToken cancellationToken = default);

    /// <summary>The partition's start offset (first retained event) and end offset (next offset to be written).</summary>
    ValueTask<PartitionOffsets> GetOffsetsAsync(string topic, int partition, CancellationToken cancellationToken = default);
}
