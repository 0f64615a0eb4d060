namespace Shoal.Processing;

/// <summary>
/// The cancellation a running handler sees: cancelled when its timeout passes or when the partition stops
/// hard. Reused from event to event by one worker, so handlers that complete synchronously cost no
/// allocation and no timer; the timeout timer is armed only when a handler goes asynchronous.
/// </summary>
internal sealed class HandlerSlot : IDisposable
{
    private readonly TimeProvider _time;
    private readonly CancellationToken _stop;
    private CancellationTokenSource _cts;
    private ITimer? _timer;
    private volatile bool _timedOut;

    public HandlerSlot(TimeProvider time, CancellationToken stop)
    {
        _time = time;
        _stop = stop;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
    }

    /// <summary>The token to hand to the handler.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>True when the last cancellation came from the timeout, not from a stop.</summary>
    public bool TimedOut => _timedOut;

    /// <summary>Makes the slot usable again after a timeout cancelled it (a stop is final).</summary>
    public void Renew()
    {
        if (_cts.IsCancellationRequested && !_stop.IsCancellationRequested)
        {
            _cts.Dispose();
            _cts = CancellationTokenSource.CreateLinkedTokenSource(_stop);
        }

        _timedOut = false;
    }

    /// <summary>Starts the timeout clock (no-op for an infinite timeout).</summary>
    public void Arm(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        _timer ??= _time.CreateTimer(static state => ((HandlerSlot)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Stops the timeout clock.</summary>
    public void Disarm() => _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _timer?.Dispose();
        _cts.Dispose();
    }

    private void Fire()
    {
        _timedOut = true;
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The slot was disposed as the timer fired: nothing is running any more.
        }
    }
}
