using Shoal.Engine;

namespace Shoal.Tests.Runtime;

/// <summary>
/// An engine that forwards everything to another; tests override the calls they watch or break, the log's here and
/// the coordination store's in <see cref="ForwardingStore"/>.
/// </summary>
internal abstract class ForwardingEngine(IShoalEngine inner) : ForwardingStore(inner.Coordination), IShoalEngine, IEventLog
{
    protected IShoalEngine Inner => inner;

    public string Name => inner.Name;

    public IEventLog Log => this;

    public ICoordinationStore Coordination => this;

    public virtual ValueTask DisposeAsync() => inner.DisposeAsync();

    public ValueTask<TopicDescription> CreateTopicAsync(TopicOptions topic, CancellationToken cancellationToken = default) =>
        inner.Log.CreateTopicAsync(topic, cancellationToken);

    public ValueTask<TopicDescription?> DescribeTopicAsync(string topic, CancellationToken cancellationToken = default) =>
        inner.Log.DescribeTopicAsync(topic, cancellationToken);

    public virtual ValueTask<IReadOnlyList<TopicDescription>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        inner.Log.ListTopicsAsync(cancellationToken);

    public virtual ValueTask AppendAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, Memory<AppendedEvent> results, CancellationToken cancellationToken = default) =>
        inner.Log.AppendAsync(topic, partition, events, results, cancellationToken);

    public virtual ValueTask<int> ReadAsync(string topic, int partition, long fromOffset, Memory<EventEnvelope> destination, CancellationToken cancellationToken = default) =>
        inner.Log.ReadAsync(topic, partition, fromOffset, destination, cancellationToken);

    public ValueTask<PartitionOffsets> GetOffsetsAsync(string topic, int partition, CancellationToken cancellationToken = default) =>
        inner.Log.GetOffsetsAsync(topic, partition, cancellationToken);
}
