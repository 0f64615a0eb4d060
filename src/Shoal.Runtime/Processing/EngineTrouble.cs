namespace Shoal.Processing;

/// <summary>
/// What a node knows about its engine being unreachable: transient engine errors (<see cref="EngineException.IsTransient"/>)
/// seen by any of its engine calls (publishes, reads, commits, dead-letter writes) are counted, so a handler attempt
/// that timed out can tell whether the engine failed meanwhile (then the attempt is not the handler's failure).
/// </summary>
internal sealed class EngineTrouble
{
    private long _failures;

    /// <summary>Transient engine errors seen so far; compare two readings to learn whether one happened in between.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Counts <paramref name="error"/> when it is (or wraps) a transient engine error.</summary>
    public void Observe(Exception error)
    {
        if (IsTransient(error))
        {
            Interlocked.Increment(ref _failures);
        }
    }

    /// <summary>True when <paramref name="error"/> is, or wraps, an <see cref="EngineException"/> the engine judged transient.</summary>
    public static bool IsTransient(Exception? error)
    {
        for (var depth = 0; error is not null && depth < 16; depth++)
        {
            switch (error)
            {
                case EngineException { IsTransient: true }:
                    return true;
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Any(IsTransient);
            }

            error = error.InnerException;
        }

        return false;
    }
}

/// <summary>
/// Holds a partition's new events back while one of its events waits for the engine to come back: nothing new
/// starts its handler until no event of the partition waits any more (or the partition stops).
/// </summary>
internal sealed class EnginePause
{
    private readonly Lock _gate = new();
    private int _waiting;
    private TaskCompletionSource? _clear;

    /// <summary>True while an event of the partition waits for the engine.</summary>
    public bool Active => Volatile.Read(ref _waiting) > 0;

    public void Enter()
    {
        lock (_gate)
        {
            _waiting++;
        }
    }

    public void Exit()
    {
        lock (_gate)
        {
            if (--_waiting == 0 && _clear is { } clear)
            {
                _clear = null;
                clear.TrySetResult();
            }
        }
    }

    /// <summary>Completes once no event waits for the engine.</summary>
    public Task WhenClear()
    {
        lock (_gate)
        {
            if (_waiting == 0)
            {
                return Task.CompletedTask;
            }

            _clear ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _clear.Task;
        }
    }
}
