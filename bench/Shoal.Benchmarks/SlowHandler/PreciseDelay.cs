using System.Diagnostics;

namespace Shoal.Benchmarks.SlowHandler;

/// <summary>
/// A fixed asynchronous delay that does not depend on the OS timer resolution (<c>Task.Delay(1)</c> takes
/// several milliseconds on Linux). A dedicated thread keeps a FIFO of (deadline, completion) and completes
/// each entry as soon as <see cref="Stopwatch"/> says its deadline has passed, spinning and yielding between
/// checks (never sleeping while work is queued). All delays have the same length, so deadlines are
/// enqueued in order and a FIFO is enough. Continuations run on the thread pool, like a real I/O
/// completion, so the timer thread only keeps time.
/// </summary>
internal sealed class PreciseDelay : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Queue<(long Deadline, TaskCompletionSource Completion)> _queue = new();
    private readonly ManualResetEventSlim _hasWork = new(false);
    private readonly long _delayTicks;
    private readonly Thread _thread;
    private volatile bool _stopped;
    private long _completed;
    private long _latenessTicks;
    private long _maxLatenessTicks;

    public PreciseDelay(TimeSpan delay)
    {
        Delay = delay;
        _delayTicks = (long)(delay.TotalSeconds * Stopwatch.Frequency);
        _thread = new Thread(Run) { IsBackground = true, Name = "precise-delay" };
        _thread.Start();
    }

    public TimeSpan Delay { get; }

    /// <summary>A task that completes <see cref="Delay"/> from now, on the thread pool.</summary>
    public Task WaitAsync()
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _queue.Enqueue((Stopwatch.GetTimestamp() + _delayTicks, completion));
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
                while (_queue.TryPeek(out var head) && head.Deadline <= now)
                {
                    _queue.Dequeue();
                    var late = now - head.Deadline;
                    _latenessTicks += late;
                    _maxLatenessTicks = Math.Max(_maxLatenessTicks, late);
                    _completed++;
                    due.Add(head.Completion);
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
