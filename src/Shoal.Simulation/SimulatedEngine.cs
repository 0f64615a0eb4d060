using System.Runtime.CompilerServices;
using Shoal.Engine;

namespace Shoal.Simulation;

/// <summary>Per-call fault rates of one actor's view of the engine (each in [0, 1]).</summary>
internal sealed record EngineFaults
{
    public static readonly EngineFaults None = new();

    /// <summary>A call waits a seeded 1–40 ms (virtual) before it runs.</summary>
    public double Latency { get; init; }

    /// <summary>A call fails with <see cref="EngineException"/> before it does anything.</summary>
    public double TransientError { get; init; }

    /// <summary>A compare-and-set meets a competing write of the same value first (its revision moves).</summary>
    public double CasConflict { get; init; }
}

/// <summary>
/// One actor's (member's or producer's) connection to the shared in-process engine, with faults: paused (every call,
/// and the member's handlers, wait until resumed), cut off from the coordination store, crashed, and seeded
/// latency, transient errors and CAS conflicts. Every successful lease or offset write is reported to the recorder.
/// </summary>
internal sealed class SimulatedEngine : ForwardingEngine
{
    private readonly IShoalEngine _inner;
    private readonly ChaosRecorder _recorder;
    private readonly VirtualClock _clock;
    private readonly Random _random;
    private TaskCompletionSource? _paused;

    public SimulatedEngine(string actor, IShoalEngine inner, ChaosRecorder recorder, VirtualClock clock, Random random)
        : base(inner, ownsInner: false)
    {
        Actor = actor;
        _inner = inner;
        _recorder = recorder;
        _clock = clock;
        _random = random;
    }

    public string Actor { get; }

    public override string Name => $"sim({Actor})";

    public EngineFaults Faults { get; set; } = EngineFaults.None;

    public bool CutOff { get; set; }

    public bool Crashed { get; set; }

    public bool IsPaused => _paused is not null;

    public void Pause() => _paused ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Resume()
    {
        var paused = _paused;
        _paused = null;
        paused?.TrySetResult();
    }

    /// <summary>Completes at once unless paused; then when resumed. A crashed actor never continues.</summary>
    public async ValueTask WhileRunningAsync()
    {
        while (_paused is { } paused)
        {
            await paused.Task;
        }

        if (Crashed)
        {
            await new TaskCompletionSource().Task; // a crashed process runs nothing more
        }
    }

    private async ValueTask EnterAsync(bool coordination, CancellationToken cancellationToken)
    {
        await WhileRunningAsync();
        var faults = Faults;
        if (faults.Latency > 0 && _random.NextDouble() < faults.Latency)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1 + _random.Next(40)), _clock, cancellationToken);
            await WhileRunningAsync();
        }

        if (coordination && CutOff)
        {
            throw new EngineException($"{Actor} is cut off from the coordination store (simulated).");
        }

        if (faults.TransientError > 0 && _random.NextDouble() < faults.TransientError)
        {
            throw new EngineException($"{Actor}: transient engine failure (simulated).");
        }
    }



    // ----- event log -----
    public override async ValueTask<TopicDescription> CreateTopicAsync(TopicOptions topic, CancellationToken cancellationToken = default)
    {
        await EnterAsync(false, cancellationToken);
        return await _inner.Log.CreateTopicAsync(topic, cancellationToken);
    }

    public override async ValueTask<TopicDescription?> DescribeTopicAsync(string topic, CancellationToken cancellationToken = default)
    {
        await EnterAsync(false, cancellationToken);
        return await _inner.Log.DescribeTopicAsync(topic, cancellationToken);
    }

    public override async ValueTask<IReadOnlyList<TopicDescription>> ListTopicsAsync(CancellationToken cancellationToken = default)
    {
        await EnterAsync(false, cancellationToken);
        return await _inner.Log.ListTopicsAsync(cancellationToken);
    }

    public override async ValueTask AppendAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, Memory<AppendedEvent> results, CancellationToken cancellationToken = default)
    {
        await EnterAsync(false, cancellationToken);
        await _inner.Log.AppendAsync(topic, partition, events, results, cancellationToken);
    }

    public override async ValueTask<int> ReadAsync(string topic, int partition, long fromOffset, Memory<EventEnvelope> destination, CancellationToken cancellationToken = default)
    {
        await EnterAsync(false, cancellationToken);
        var count = await _inner.Log.ReadAsync(topic, partition, fromOffset, destination, cancellationToken);
        await WhileRunningAsync(); // a read that returns while paused is seen after the pause
        return count;
    }

    public override async ValueTask<PartitionOffsets> GetOffsetsAsync(string topic, int partition, CancellationToken cancellationToken = default)
    {
        await EnterAsync(false, cancellationToken);
        return await _inner.Log.GetOffsetsAsync(topic, partition, cancellationToken);
    }

    // ----- coordination store -----
    public override async ValueTask<KvEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await EnterAsync(true, cancellationToken);
        return await _inner.Coordination.GetAsync(key, cancellationToken);
    }

    public override async ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        await EnterAsync(true, cancellationToken);
        var revision = await _inner.Coordination.TryCreateAsync(key, value, cancellationToken);
        if (revision is not null)
        {
            _recorder.Wrote(Actor, key, value.Span, revision, deleted: false);
        }

        return revision;
    }

    public override async ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
    {
        await EnterAsync(true, cancellationToken);
        var faults = Faults;
        if (faults.CasConflict > 0 && _random.NextDouble() < faults.CasConflict
            && await _inner.Coordination.GetAsync(key, cancellationToken) is { } current)
        {
            // A competing writer rewrites the same value: only the revision moves.
            var bumped = await _inner.Coordination.TryUpdateAsync(key, current.Value, current.Revision, cancellationToken);
            _recorder.Note($"{Actor} cas-conflict {key} r{bumped}");
        }

        var revision = await _inner.Coordination.TryUpdateAsync(key, value, expectedRevision, cancellationToken);
        if (revision is not null)
        {
            _recorder.Wrote(Actor, key, value.Span, revision, deleted: false);
        }

        return revision;
    }

    public override async ValueTask<bool> TryDeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken = default)
    {
        await EnterAsync(true, cancellationToken);
        var deleted = await _inner.Coordination.TryDeleteAsync(key, expectedRevision, cancellationToken);
        if (deleted)
        {
            _recorder.Wrote(Actor, key, default, null, deleted: true);
        }

        return deleted;
    }

    public override async ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await EnterAsync(true, cancellationToken);
        return await _inner.Coordination.ListAsync(prefix, cancellationToken);
    }

    public override async IAsyncEnumerable<KvChange> WatchAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await EnterAsync(true, cancellationToken);
        await foreach (var change in _inner.Coordination.WatchAsync(prefix, cancellationToken))
        {
            await WhileRunningAsync();
            yield return change;
        }
    }
}
