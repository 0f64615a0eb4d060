using System.Runtime.CompilerServices;
using Shoal.Engine;

namespace Shoal.Cli.Demo;

/// <summary>
/// One demo node's view of the shared engine. <see cref="PauseAsync"/> freezes every call the node makes (reads,
/// appends, heartbeats, lease renewals, commits) as a long GC pause or a partition from the network would: calls
/// in progress wait, and complete when the node resumes — by then, possibly, as a zombie.
/// </summary>
internal sealed class PausableEngine(IShoalEngine inner) : IShoalEngine, IEventLog, ICoordinationStore
{
    private volatile TaskCompletionSource? _paused;

    public string Name => inner.Name;

    public IEventLog Log => this;

    public ICoordinationStore Coordination => this;

    public bool IsPaused => _paused is not null;

    /// <summary>Freezes the node's engine calls for <paramref name="duration"/>.</summary>
    public async Task PauseAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _paused = paused;
        try
        {
            await Task.Delay(duration, cancellationToken);
        }
        finally
        {
            _paused = null;
            paused.TrySetResult();
        }
    }

    /// <summary>Completes at once unless the node is paused.</summary>
    public ValueTask WhileRunningAsync(CancellationToken cancellationToken) =>
        _paused is { } paused ? new ValueTask(paused.Task.WaitAsync(cancellationToken)) : ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public async ValueTask<TopicDescription> CreateTopicAsync(TopicOptions topic, CancellationToken cancellationToken = default)
    {
        await WhileRunningAsync(cancellationToken);
        return await inner.Log.CreateTopicAsync(topic, cancellationToken);
    }

    public async ValueTask<TopicDescription?> DescribeTopicAsync(string topic, CancellationToken cancellationToken = default)
    {
        await WhileRunningAsync(cancellationToken);
        return await inner.Log.DescribeTopicAsync(topic, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<TopicDescription>> ListTopicsAsync(CancellationToken cancellationToken = default)
    {
        await WhileRunningAsync(cancellationToken);
        return await inner.Log.ListTopicsAsync(cancellationToken);
    }

    public async ValueTask AppendAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, Memory<AppendedEvent> results, CancellationToken cancellationToken = default)
    {
        await WhileRunningAsync(cancellationToken);
        await inner.Log.AppendAsync(topic, partition, events, results, cancellationToken);
    }

    public async ValueTask<int> ReadAsync(string topic, int partition, long fromOffset, Memory<EventEnvelope> destination, CancellationToken cancellationToken = default)
    {
        await WhileRunningAsync(cancellationToken);
        var count = await inner.Log.ReadAsync(topic, partition, fromOffset, destination, cancellationToken);
        await WhileRunningAsync(cancellationToken);
        return count;
    }

    public async ValueTask<PartitionOffsets> GetOffsetsAsync(string topic, int partition, CancellationToken cancellationToken = default)
    {
        await WhileRunningAsync(cancellationToken);
        return await inner.Log.GetOffsetsAsync(topic, partition, cancellationToken);
    }

    public async ValueTask<KvEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await WhileRunningAsync(cancellationToken);
        return await inner.Coordination.GetAsync(key, cancellationToken);
    }

    public async ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        await WhileRunningAsync(cancellationToken);
        return await inner.Coordination.TryCreateAsync(key, value, cancellationToken);
    }

    public async ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
    {
        await WhileRunningAsync(cancellationToken);
        return await inner.Coordination.TryUpdateAsync(key, value, expectedRevision, cancellationToken);
    }

    public async ValueTask<bool> TryDeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken = default)
    {
        await WhileRunningAsync(cancellationToken);
        return await inner.Coordination.TryDeleteAsync(key, expectedRevision, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await WhileRunningAsync(cancellationToken);
        return await inner.Coordination.ListAsync(prefix, cancellationToken);
    }

    public async IAsyncEnumerable<KvChange> WatchAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var change in inner.Coordination.WatchAsync(prefix, cancellationToken))
        {
            await WhileRunningAsync(cancellationToken);
            yield return change;
        }
    }
}
