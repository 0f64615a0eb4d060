using System.Collections.Concurrent;

namespace Shoal.Scenarios.Demo;

/// <summary>
/// Open by default; while paused, <see cref="WaitAsync"/> waits until <see cref="Resume"/>. What waits is listed in
/// <see cref="Waiting"/>. The open gate costs one volatile read: the demo passes every handler call and engine call
/// through one.
/// </summary>
internal sealed class PauseGate
{
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<long, string> _waiting = new();
    private volatile TaskCompletionSource? _paused;
    private long _ids;

    public bool IsPaused => _paused is not null;

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

    /// <summary>Completes at once while the gate is open; otherwise when it opens again, listed as <paramref name="what"/> meanwhile.</summary>
    public ValueTask WaitAsync(string what, CancellationToken cancellationToken = default) =>
        _paused is { } paused ? WaitSlowAsync(paused.Task, what, cancellationToken) : ValueTask.CompletedTask;

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
