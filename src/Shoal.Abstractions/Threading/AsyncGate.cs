namespace Shoal.Threading;

/// <summary>
/// An async mutual-exclusion gate (a <see cref="SemaphoreSlim"/>(1, 1) for async code) whose waiters resume on their own
/// context. SemaphoreSlim's cancellable waits complete through the thread pool, which a single-threaded simulation
/// cannot order; here a waiter's task is awaited directly and cancellation runs on the cancelling thread.
/// </summary>
public sealed class AsyncGate
{
    private readonly object _lock = new();
    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    private bool _held;

    /// <summary>True while someone holds the gate (a hint: it may change at once).</summary>
    public bool IsHeld
    {
        get
        {
            lock (_lock)
            {
                return _held;
            }
        }
    }

    /// <summary>Waits until the gate is free and takes it. Throws <see cref="OperationCanceledException"/> when cancelled first.</summary>
    public Task WaitAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LinkedListNode<TaskCompletionSource> node;
        lock (_lock)
        {
            if (!_held)
            {
                _held = true;
                return Task.CompletedTask;
            }

            node = _waiters.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        return cancellationToken.CanBeCanceled ? WaitCancellableAsync(node, cancellationToken) : node.Value.Task;
    }

    /// <summary>Frees the gate, handing it to the longest waiter if any.</summary>
    public void Release()
    {
        TaskCompletionSource? next = null;
        lock (_lock)
        {
            if (!_held)
            {
                throw new InvalidOperationException("The gate is not held.");
            }

            if (_waiters.First is { } first)
            {
                _waiters.RemoveFirst();
                next = first.Value; // the gate stays held: it passes to this waiter
            }
            else
            {
                _held = false;
            }
        }

        next?.TrySetResult();
    }

    private async Task WaitCancellableAsync(LinkedListNode<TaskCompletionSource> node, CancellationToken cancellationToken)
    {
        using (cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                if (node.List is null)
                {
                    return; // already handed the gate
                }

                _waiters.Remove(node);
            }

            node.Value.TrySetCanceled(cancellationToken);
        }))
        {
            await node.Value.Task;
        }
    }
}
