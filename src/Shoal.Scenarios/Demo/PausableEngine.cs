using System.Runtime.CompilerServices;
using Shoal.Engine;

namespace Shoal.Scenarios.Demo;

/// <summary>
/// One node's view of a shared engine that can be frozen, as a long GC pause, a stopped VM or a partition from the
/// network freezes a process: while paused, every call the node makes (reads, appends, heartbeats, lease renewals,
/// commits, the changes a watch delivers) waits — calls in progress too — and goes through unchanged when the node
/// resumes: by then, possibly, as a zombie with stale revisions and epochs. The demo pauses nodes for a while
/// (<see cref="PauseAsync"/>); the cluster fault tests hold the gate themselves (<see cref="Pause"/>,
/// <see cref="Resume"/>, <see cref="Waiting"/>). Disposing it leaves the shared engine alone.
/// </summary>
internal sealed class PausableEngine(IShoalEngine inner) : ForwardingEngine(inner, ownsInner: false)
{
    private readonly PauseGate _gate = new();

    public override string Name => Inner.Name;

    public bool IsPaused => _gate.IsPaused;

    /// <summary>The calls waiting now, as "Operation key" (e.g. "TryUpdate shoal/offsets/orders/billing/3", "Append orders/2").</summary>
    public IReadOnlyCollection<string> Waiting => _gate.Waiting;

    public void Pause() => _gate.Pause();

    public void Resume() => _gate.Resume();

    /// <summary>Freezes the node's engine calls for <paramref name="duration"/>.</summary>
    public async Task PauseAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        Pause();
        try
        {
            await Task.Delay(duration, cancellationToken);
        }
        finally
        {
            Resume();
        }
    }

    /// <summary>Completes at once unless the node is paused (the demo's handlers wait here too).</summary>
    public ValueTask WhileRunningAsync(CancellationToken cancellationToken) => _gate.WaitAsync("Handler", cancellationToken);


    public override async ValueTask<TopicDescription> CreateTopicAsync(TopicOptions topic, CancellationToken cancellationToken = default)
    {
        await GateAsync("CreateTopic", topic.Name, cancellationToken);
        return await Inner.Log.CreateTopicAsync(topic, cancellationToken);
    }

    public override async ValueTask<TopicDescription?> DescribeTopicAsync(string topic, CancellationToken cancellationToken = default)
    {
        await GateAsync("DescribeTopic", topic, cancellationToken);
        return await Inner.Log.DescribeTopicAsync(topic, cancellationToken);
    }

    public override async ValueTask<IReadOnlyList<TopicDescription>> ListTopicsAsync(CancellationToken cancellationToken = default)
    {
        await GateAsync("ListTopics", string.Empty, cancellationToken);
        return await Inner.Log.ListTopicsAsync(cancellationToken);
    }

    public override async ValueTask AppendAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, Memory<AppendedEvent> results, CancellationToken cancellationToken = default)
    {
        await GateAsync("Append", topic, partition, cancellationToken);
        await Inner.Log.AppendAsync(topic, partition, events, results, cancellationToken);
    }

    public override async ValueTask<int> ReadAsync(string topic, int partition, long fromOffset, Memory<EventEnvelope> destination, CancellationToken cancellationToken = default)
    {
        await GateAsync("Read", topic, partition, cancellationToken);
        var count = await Inner.Log.ReadAsync(topic, partition, fromOffset, destination, cancellationToken);
        await GateAsync("Read", topic, partition, cancellationToken);
        return count;
    }

    public override async ValueTask<PartitionOffsets> GetOffsetsAsync(string topic, int partition, CancellationToken cancellationToken = default)
    {
        await GateAsync("GetOffsets", topic, partition, cancellationToken);
        return await Inner.Log.GetOffsetsAsync(topic, partition, cancellationToken);
    }

    public override async ValueTask<KvEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await GateAsync("Get", key, cancellationToken);
        return await Inner.Coordination.GetAsync(key, cancellationToken);
    }

    public override async ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        await GateAsync("TryCreate", key, cancellationToken);
        return await Inner.Coordination.TryCreateAsync(key, value, cancellationToken);
    }

    public override async ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
    {
        await GateAsync("TryUpdate", key, cancellationToken);
        return await Inner.Coordination.TryUpdateAsync(key, value, expectedRevision, cancellationToken);
    }

    public override async ValueTask<bool> TryDeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken = default)
    {
        await GateAsync("TryDelete", key, cancellationToken);
        return await Inner.Coordination.TryDeleteAsync(key, expectedRevision, cancellationToken);
    }

    public override async ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await GateAsync("List", prefix, cancellationToken);
        return await Inner.Coordination.ListAsync(prefix, cancellationToken);
    }

    public override async IAsyncEnumerable<KvChange> WatchAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var change in Inner.Coordination.WatchAsync(prefix, cancellationToken))
        {
            await GateAsync("Watch", change.Key, cancellationToken);
            yield return change;
        }
    }

    /// <summary>The gate, with the call described (a string built) only while paused: the open gate costs nothing.</summary>
    private ValueTask GateAsync(string operation, string key, CancellationToken cancellationToken) =>
        _gate.IsPaused ? _gate.WaitAsync($"{operation} {key}", cancellationToken) : ValueTask.CompletedTask;

    private ValueTask GateAsync(string operation, string topic, int partition, CancellationToken cancellationToken) =>
        _gate.IsPaused ? _gate.WaitAsync($"{operation} {topic}/{partition}", cancellationToken) : ValueTask.CompletedTask;
}
