using System.Collections.Concurrent;
using Shoal.Engine;

namespace Shoal.Engines.InProcess;

/// <summary>
/// The event log in memory. Topics live in a concurrent dictionary; each partition has its own lock.
/// Payloads are copied on append (one array per batch), so callers may reuse their buffers.
/// </summary>
/// <remarks>
/// Retention: the count and byte limits are applied on every append to the partition. Age (measured from the
/// append time given by the <see cref="TimeProvider"/>) and committed offsets (the floor the engine passes in as a
/// <see cref="RetentionFloor"/>; the log never reads group records itself) are checked lazily, on an
/// append to any partition of the topic, at most once per <see cref="InProcessEngineOptions.RetentionCheckInterval"/>;
/// there is no background timer, so an idle topic keeps its events until the next append. Trimming moves the start
/// offset exactly; memory is released a segment (4096 events) at a time.
/// Creating an existing topic with the same partition count keeps the options it was first created with.
/// A read into an empty destination returns 0 at once. Events with a null or empty id are never de-duplicated.
/// </remarks>
internal sealed partial class InProcessEventLog : IEventLog, IDisposable
{
    private readonly ConcurrentDictionary<string, TopicLog> _topics = new(StringComparer.Ordinal);
    private readonly Lock _createGate = new();
    private readonly InProcessEngineOptions _options;
    private readonly RetentionFloor _retentionFloor;
    private readonly int _segmentShift;
    private readonly DurableStorage? _storage;
    private volatile bool _disposed;

    /// <param name="options">Validated options.</param>
    /// <param name="retentionFloor">Per partition, the offset below which every group has committed (for retention by committed offsets).</param>
    /// <param name="segmentShift">Events per in-memory segment as a power of two.</param>
    /// <param name="storage">The data directory of the durable engine, or null to keep everything in memory.</param>
    public InProcessEventLog(InProcessEngineOptions options, RetentionFloor retentionFloor, int segmentShift = PartitionLog.DefaultSegmentShift, DurableStorage? storage = null)
    {
        _options = options;
        _retentionFloor = retentionFloor;
        _segmentShift = segmentShift;
        _storage = storage;
    }

    public ValueTask<TopicDescription> CreateTopicAsync(TopicOptions topic, CancellationToken cancellationToken = default)
    {
        if (topic is null)
        {
            throw new ShoalConfigurationException("topic", "must not be null.");
        }

        topic.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_createGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_topics.TryGetValue(topic.Name, out var existing))
            {
                if (existing.Options.Partitions != topic.Partitions)
                {
                    throw new ShoalConfigurationException("TopicOptions.Partitions",
                        $"topic '{topic.Name}' exists with {existing.Options.Partitions} partitions; cannot create it with {topic.Partitions}.");
                }

                return new(existing.Description);
            }

            var log = new TopicLog(topic, _segmentShift, _storage?.CreateTopic(topic));
            _topics[topic.Name] = log;
            return new(log.Description);
        }
    }

    public ValueTask<TopicDescription?> DescribeTopicAsync(string topic, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        return new(topic is not null && _topics.TryGetValue(topic, out var log) ? log.Description : null);
    }

    public ValueTask<IReadOnlyList<TopicDescription>> ListTopicsAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<TopicDescription> topics = [.. _topics.Values.Select(t => t.Description).OrderBy(d => d.Name, StringComparer.Ordinal)];
        return new(topics);
    }

    public ValueTask AppendAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, Memory<AppendedEvent> results, CancellationToken cancellationToken = default)
    {
        EventRules.Validate(events.Span);
        var log = GetTopic(topic);
        var target = log.Partition(partition);
        cancellationToken.ThrowIfCancellationRequested();
        if (results.Length < events.Length)
        {
            throw new ShoalConfigurationException("results", $"must hold at least {events.Length} entries (one per event); holds {results.Length}.");
        }

        if (events.IsEmpty)
        {
            return ValueTask.CompletedTask;
        }

        CheckSizes(topic, events.Span);
        _storage?.ThrowIfFailed();
        var nowTicks = _options.TimeProvider.GetUtcNow().UtcTicks;
        try
        {
            log.Append(target, events.Span, results.Span, nowTicks);
        }
        catch (Exception e) when (_storage is not null && e is not ShoalException and not ObjectDisposedException)
        {
            throw _storage.Fail(topic, partition, e);
        }

        if (log.RetentionCheckDue(nowTicks, _options.RetentionCheckInterval))
        {
            ApplyLazyRetention(log, nowTicks);
        }

        return _storage is { FlushBeforeAck: true } ? _storage.FlushAsync(topic, target, cancellationToken) : ValueTask.CompletedTask;
    }

    /// <summary>Adds a topic recovered from the data directory (before the engine is handed out).</summary>
    internal void AddRecovered(TopicLog log) => _topics[log.Options.Name] = log;

    /// <summary>Every topic (for the durable engine's interval flush and shutdown).</summary>
    internal IEnumerable<TopicLog> Topics => _topics.Values;

    public ValueTask<int> ReadAsync(string topic, int partition, long fromOffset, Memory<EventEnvelope> destination, CancellationToken cancellationToken = default)
    {
        var source = GetTopic(topic).Partition(partition);
        cancellationToken.ThrowIfCancellationRequested();
        if (destination.IsEmpty)
        {
            return new(0);
        }

        var count = source.TryRead(fromOffset, destination.Span, out var wait);
        return count > 0 ? new(count) : source.ReadSlowAsync(fromOffset, destination, wait!, cancellationToken);
    }

    public ValueTask<PartitionOffsets> GetOffsetsAsync(string topic, int partition, CancellationToken cancellationToken = default)
    {
        var source = GetTopic(topic).Partition(partition);
        cancellationToken.ThrowIfCancellationRequested();
        return new(source.Offsets);
    }

    /// <summary>The topic's internal state, or <see cref="TopicNotFoundException"/>.</summary>
    internal TopicLog GetTopic(string topic)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return topic is not null && _topics.TryGetValue(topic, out var log) ? log : throw new TopicNotFoundException(topic ?? "(null)");
    }

    public void Dispose()
    {
        lock (_createGate)
        {
            _disposed = true;
        }

        foreach (var topic in _topics.Values)
        {
            topic.Dispose();
        }
    }
}
