using System.Collections.Concurrent;
using Shoal.Engine;
using Shoal.Tests.Runtime;

namespace Shoal.Tests.Cluster;

/// <summary>
/// A node's view of a shared engine that can be frozen, as a long GC pause or a stopped VM freezes a process:
/// while paused, every coordination-store call, log read and append (and every change a watch delivers) waits
/// before it reaches the engine, and goes through unchanged on <see cref="Resume"/> — stale revisions included.
/// Do not dispose it: that would dispose the shared engine (runtimes never dispose their engine).
/// </summary>
internal sealed class PausableEngine : ForwardingEngine
{
    private readonly PauseGate _gate = new();
    private readonly GatedStore _store;

    public PausableEngine(IShoalEngine inner)
        : base(inner) => _store = new GatedStore(inner.Coordination, _gate);

    public override ICoordinationStore Coordination => _store;

    /// <summary>The calls waiting at the gate now, as "Operation key" (e.g. "TryUpdate shoal/offsets/orders/billing/3").</summary>
    public IReadOnlyCollection<string> Waiting => _gate.Waiting;

    public void Pause() => _gate.Pause();

    public void Resume() => _gate.Resume();

    public override async ValueTask AppendAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, Memory<AppendedEvent> results, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync($"Append {topic}/{partition}", cancellationToken);
        await base.AppendAsync(topic, partition, events, results, cancellationToken);
    }

    public override async ValueTask<int> ReadAsync(string topic, int partition, long fromOffset, Memory<EventEnvelope> destination, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync($"Read {topic}/{partition}", cancellationToken);
        return await base.ReadAsync(topic, partition, fromOffset, destination, cancellationToken);
    }

    private sealed class GatedStore(ICoordinationStore inner, PauseGate gate) : ForwardingCoordinationStore(inner)
    {
        protected override ValueTask BeforeAsync(string operation, string key, CancellationToken cancellationToken) =>
            gate.WaitAsync($"{operation} {key}", cancellationToken);
    }
}

/// <summary>Open by default; while paused, <see cref="WaitAsync"/> waits until <see cref="Resume"/>.</summary>
internal sealed class PauseGate
{
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<long, string> _waiting = new();
    private TaskCompletionSource? _paused;
    private long _ids;

    public bool IsPaused
    {
        get
        {
            lock (_lock)
            {
                return _paused is not null;
            }
        }
    }

    /// <summary>What waits at the gate now.</summary>
    public IReadOnlyCollection<string> Waiting => [.. _waiting.Values];

    public void Pause()
    {
        lock (_lock)
        {
            _paused ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Resume()
    {
        TaskCompletionSource? paused;
        lock (_lock)
        {
            paused = _paused;
            _paused = null;
        }

        paused?.TrySetResult();
    }

    public ValueTask WaitAsync(string what, CancellationToken cancellationToken = default)
    {
        Task? paused;
        lock (_lock)
        {
            paused = _paused?.Task;
        }

        return paused is null ? ValueTask.CompletedTask : WaitSlowAsync(paused, what, cancellationToken);
    }

    private async ValueTask WaitSlowAsync(Task paused, string what, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _ids);
        _waiting[id] = what;
        try
        {
            await paused.WaitAsync(cancellationToken);
        }
        finally
        {
            _waiting.TryRemove(id, out _);
        }
    }
}
