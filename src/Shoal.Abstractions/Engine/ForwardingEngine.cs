namespace Shoal.Engine;

/// <summary>
/// An engine that forwards every call to another engine: the base of engine decorators, which override only the calls
/// they change (add latency or faults, pause, count, record). Shoal's own decorators build on it: the simulation's
/// fault-injecting engine, the demo's pausable engine and the tests' wrappers; a pass-through subclass passes the
/// engine conformance suite. <see cref="IShoalEngine.Log"/> and <see cref="IShoalEngine.Coordination"/> are this object,
/// so an override sees every call made through either.
/// </summary>
public abstract class ForwardingEngine : IShoalEngine, IEventLog, ICoordinationStore
{
    private readonly bool _ownsInner;

    /// <summary>
    /// Wraps <paramref name="inner"/>; disposing this disposes it when <paramref name="ownsInner"/> (false for a view
    /// of an engine others share).
    /// </summary>
    protected ForwardingEngine(IShoalEngine inner, bool ownsInner = true)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
        _ownsInner = ownsInner;
    }

    /// <summary>The engine calls are forwarded to.</summary>
    protected IShoalEngine Inner { get; }

    /// <inheritdoc/>
    public virtual string Name => Inner.Name;

    /// <inheritdoc/>
    public IEventLog Log => this;

    /// <inheritdoc/>
    public ICoordinationStore Coordination => this;

    /// <summary>Disposes the inner engine when this decorator owns it.</summary>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _ownsInner ? Inner.DisposeAsync() : ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public virtual ValueTask<TopicDescription> CreateTopicAsync(TopicOptions topic, CancellationToken cancellationToken = default) =>
        Inner.Log.CreateTopicAsync(topic, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<TopicDescription?> DescribeTopicAsync(string topic, CancellationToken cancellationToken = default) =>
        Inner.Log.DescribeTopicAsync(topic, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<IReadOnlyList<TopicDescription>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        Inner.Log.ListTopicsAsync(cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask AppendAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, Memory<AppendedEvent> results, CancellationToken cancellationToken = default) =>
        Inner.Log.AppendAsync(topic, partition, events, results, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<int> ReadAsync(string topic, int partition, long fromOffset, Memory<EventEnvelope> destination, CancellationToken cancellationToken = default) =>
        Inner.Log.ReadAsync(topic, partition, fromOffset, destination, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<PartitionOffsets> GetOffsetsAsync(string topic, int partition, CancellationToken cancellationToken = default) =>
        Inner.Log.GetOffsetsAsync(topic, partition, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<KvEntry?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        Inner.Coordination.GetAsync(key, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        Inner.Coordination.TryCreateAsync(key, value, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default) =>
        Inner.Coordination.TryUpdateAsync(key, value, expectedRevision, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<bool> TryDeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken = default) =>
        Inner.Coordination.TryDeleteAsync(key, expectedRevision, cancellationToken);

    /// <inheritdoc/>
    public virtual ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
        Inner.Coordination.ListAsync(prefix, cancellationToken);

    /// <inheritdoc/>
    public virtual IAsyncEnumerable<KvChange> WatchAsync(string prefix, CancellationToken cancellationToken = default) =>
        Inner.Coordination.WatchAsync(prefix, cancellationToken);
}
