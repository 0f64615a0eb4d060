using System.Diagnostics;

namespace Shoal.Scenarios.Bench;

/// <summary>
/// The latency bench's open-loop publisher, one path for Shoal and for the raw channel: event n is due at
/// start + n / rate; when slots have passed, the due events (at most <see cref="MaxBatch"/>) go to one send call, and
/// up to <c>inFlight</c> calls run at once, so a slow acknowledgement delays only the slots that find the window full.
/// </summary>
internal sealed class LatencySchedule : IDisposable
{
    /// <summary>Most events one send call carries.</summary>
    public const int MaxBatch = 1024;

    /// <summary>How long before a slot a <see cref="LatencyPacing.Spin"/> publisher stops sleeping and spins.</summary>
    private static readonly long SpinMargin = Stopwatch.Frequency / 1000;

    private static readonly long OneMillisecond = Stopwatch.Frequency / 1000;

    private readonly long _total;
    private readonly double _ticksPerEvent;
    private readonly LatencyPacing _pacing;
    private readonly SemaphoreSlim _window;
    private readonly int _inFlight;
    private Exception? _failure;

    public LatencySchedule(long total, double rate, LatencyPacing pacing, int inFlight)
    {
        _total = total;
        _ticksPerEvent = Stopwatch.Frequency / rate;
        _pacing = pacing;
        _inFlight = inFlight;
        _window = new SemaphoreSlim(inFlight, inFlight);
    }

    /// <summary>
    /// Sends the whole schedule through <paramref name="send"/> (first event, end, the schedule's start timestamp) and
    /// waits for every call; returns how long sending took. The calls' own failures are rethrown here.
    /// </summary>
    public async Task<TimeSpan> RunAsync(Func<long, long, long, ValueTask> send, CancellationToken cancellationToken)
    {
        if (_pacing == LatencyPacing.Timer)
        {
            return await SendAllAsync(send, cancellationToken);
        }

        // A dedicated thread: every wait on it blocks (sleep, spin, the window's semaphore), so it never moves to the pool.
        var done = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.TrySetResult(SendAllAsync(send, cancellationToken).GetAwaiter().GetResult());
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "latency-publisher",
        };
        thread.Start();
        return await done.Task;
    }

    public void Dispose() => _window.Dispose();

    /// <summary>The slot of event <paramref name="n"/> of a schedule started at <paramref name="start"/>.</summary>
    public long Slot(long start, long n) => start + (long)(n * _ticksPerEvent);

    private async Task<TimeSpan> SendAllAsync(Func<long, long, long, ValueTask> send, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        long next = 0;
        while (next < _total && Volatile.Read(ref _failure) is null)
        {
            var due = Math.Min(_total, (long)((Stopwatch.GetTimestamp() - start) / _ticksPerEvent) + 1);
            if (due <= next)
            {
                await WaitUntilAsync(Slot(start, next), cancellationToken);
                continue;
            }

            var end = Math.Min(due, next + MaxBatch);
            if (_pacing == LatencyPacing.Timer)
            {
                await _window.WaitAsync(cancellationToken);
            }
            else
            {
                _window.Wait(cancellationToken);
            }

            Track(send(next, end, start));
            next = end;
        }

        var sending = Stopwatch.GetElapsedTime(start);
        for (var i = 0; i < _inFlight; i++)
        {
            await _window.WaitAsync(cancellationToken);
        }

        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw failure;
        }

        return sending;
    }

    private void Track(ValueTask call)
    {
        if (call.IsCompletedSuccessfully)
        {
            _window.Release();
            return;
        }

        _ = CompleteAsync(call);
    }

    private async Task CompleteAsync(ValueTask call)
    {
        try
        {
            await call;
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
        }
        finally
        {
            _window.Release();
        }
    }

    private ValueTask WaitUntilAsync(long slot, CancellationToken cancellationToken)
    {
        switch (_pacing)
        {
            case LatencyPacing.Timer:
                // Wakes after ~4 ms here, later under load: every slot passed meanwhile goes out at once.
                return new ValueTask(Task.Delay(TimeSpan.FromMilliseconds(1), cancellationToken));
            case LatencyPacing.Sleep:
                Thread.Sleep(1);
                break;
            default:
                var left = slot - Stopwatch.GetTimestamp();
                if (left > SpinMargin + OneMillisecond)
                {
                    Thread.Sleep((int)((left - SpinMargin) / OneMillisecond));
                }

                while (Stopwatch.GetTimestamp() < slot)
                {
                    Thread.SpinWait(20);
                }

                break;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.CompletedTask;
    }
}
