using System.Diagnostics;

namespace Shoal.Scenarios.Bench;

/// <summary>
/// Asynchronous delays that do not depend on the OS timer resolution (<c>Task.Delay(1)</c> takes several
/// milliseconds on Linux). A dedicated thread keeps the pending (deadline, completion) entries ordered by deadline and
/// completes each as soon as <see cref="Stopwatch"/> says its deadline has passed, spinning and yielding between
/// checks (never sleeping while work is queued). Continuations run on the thread pool, like a real I/O completion, so
/// the timer thread only keeps time. Used by the slow-handler benchmarks (fixed 1 ms) and <c>shoal bench keys</c>
/// (random work per event).
/// </summary>
internal sealed class PreciseDelay : IDisposable
{
    private readonly Lock _gate = new();
    private readonly PriorityQueue<TaskCompletionSource, long> _queue = new();
    private readonly ManualResetEventSlim _hasWork = new(false);
    private readonly Thread _thread;
    private volatile bool _stopped;
    private long _completed;
    private long _latenessTicks;
    private long _maxLatenessTicks;

    public PreciseDelay()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "precise-delay" };
        _thread.Start();
    }

    /// <summary>A task that completes <paramref name="delay"/> from now, on the thread pool (at once for zero or less).</summary>
    public Task WaitAsync(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deadline = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        lock (_gate)
        {
            _queue.Enqueue(completion, deadline);
        }

        _hasWork.Set();
        return completion.Task;
    }

    /// <summary>How late the timer thread completed entries (deadline to completion), since the last reset.</summary>
    public DelayStats TakeStats()
    {
        lock (_gate)
        {
            var stats = new DelayStats(
                _completed,
                _completed == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)_latenessTicks / _completed / Stopwatch.Frequency),
                TimeSpan.FromSeconds((double)_maxLatenessTicks / Stopwatch.Frequency));
            _completed = 0;
            _latenessTicks = 0;
            _maxLatenessTicks = 0;
            return stats;
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _hasWork.Set();
        _thread.Join();
        _hasWork.Dispose();
    }

    private void Run()
    {
        var due = new List<TaskCompletionSource>(1024);
        var spins = 0;
        while (!_stopped)
        {
            var now = Stopwatch.GetTimestamp();
            var empty = false;
            lock (_gate)
            {
                while (_queue.TryPeek(out var completion, out var deadline) && deadline <= now)
                {
                    _queue.Dequeue();
                    var late = now - deadline;
                    _latenessTicks += late;
                    _maxLatenessTicks = Math.Max(_maxLatenessTicks, late);
                    _completed++;
                    due.Add(completion);
                }

                if (_queue.Count == 0 && due.Count == 0)
                {
                    _hasWork.Reset();
                    empty = true;
                }
            }

            if (due.Count > 0)
            {
                foreach (var completion in due)
                {
                    completion.TrySetResult();
                }

                due.Clear();
                spins = 0;
                continue;
            }

            if (empty)
            {
                // Nothing queued at all: block until a delay is requested (no timer involved).
                _hasWork.Wait();
                continue;
            }

            // Something is queued but not due yet: spin briefly, then let other threads on this core run.
            if (++spins % 8 == 0)
            {
                Thread.Yield();
            }
            else
            {
                Thread.SpinWait(20);
            }
        }
    }
}

/// <summary>Timer-thread lateness: entries completed, mean and max time past the deadline.</summary>
internal readonly record struct DelayStats(long Completed, TimeSpan MeanLateness, TimeSpan MaxLateness);
