namespace Shoal.Threading;

/// <summary>
/// Waits on signal tasks (from a <see cref="TaskCompletionSource"/> created with
/// <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>) without leaving the caller's scheduler.
/// </summary>
/// <remarks>
/// Such a source runs every continuation asynchronously. An <c>await</c> posts back to the caller's
/// <see cref="SynchronizationContext"/> or <see cref="TaskScheduler"/>, but the runtime's internal continuations
/// (those of <see cref="Task.WaitAsync(CancellationToken)"/> and <see cref="Task.WhenAny(Task[])"/>) go to the
/// thread pool, so a single-threaded simulation would see work appear from another thread at a time no seed
/// decides. These helpers first await the signal on the caller's context, then combine the result. Public for
/// engine authors: an engine whose waits resume on the caller's context runs under the deterministic simulation.
/// </remarks>
public static class SignalTaskExtensions
{
    /// <summary>The signal as a task that completes on the caller's context (itself when already complete).</summary>
    public static Task OnCallerContext(this Task signal) => signal.IsCompleted ? signal : AwaitAsync(signal);

    /// <summary><see cref="Task.WaitAsync(CancellationToken)"/> for a signal task.</summary>
    public static Task WaitSignalAsync(this Task signal, CancellationToken cancellationToken) =>
        signal.IsCompleted || !cancellationToken.CanBeCanceled ? signal.OnCallerContext() : AwaitAsync(signal).WaitAsync(cancellationToken);

    /// <summary><see cref="Task.WaitAsync(TimeSpan, TimeProvider, CancellationToken)"/> for a signal task.</summary>
    public static Task WaitSignalAsync(this Task signal, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken = default) =>
        signal.IsCompleted ? signal : AwaitAsync(signal).WaitAsync(timeout, time, cancellationToken);

    private static async Task AwaitAsync(Task signal) => await signal;
}
