using Microsoft.Extensions.Time.Testing;
using Shoal.Engine;

namespace Shoal.Tests.Runtime;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also reports which timers are armed and when they are due, so a test
/// can wait (with a real-time deadline) until the runtime has armed the timer it is about to advance past,
/// instead of sleeping and hoping.
/// </summary>
internal sealed class TestClock : FakeTimeProvider
{
    private readonly List<TrackedTimer> _timers = [];

    public TestClock() : base(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new TrackedTimer(this, callback, state);
        timer.Inner = base.CreateTimer(static s => ((TrackedTimer)s!).Fire(), timer, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_timers)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>The time left until each armed one-shot timer (delays, timeouts, drain deadlines) fires, shortest first.</summary>
    public IReadOnlyList<TimeSpan> PendingOneShots()
    {
        var now = GetUtcNow();
        lock (_timers)
        {
            return [.. _timers.Where(t => t.Due is not null && t.Period == Timeout.InfiniteTimeSpan).Select(t => t.Due!.Value - now).Order()];
        }
    }

    /// <summary>True when a periodic timer with <paramref name="period"/> is armed.</summary>
    public bool HasPeriodic(TimeSpan period)
    {
        lock (_timers)
        {
            return _timers.Any(t => t.Due is not null && t.Period == period);
        }
    }

    /// <summary>Waits until a one-shot timer due exactly <paramref name="remaining"/> from now is armed.</summary>
    public Task WaitForTimerAsync(TimeSpan remaining, string what) =>
        Wait.UntilAsync(() => PendingOneShots().Contains(remaining), what);

    /// <summary>Until <paramref name="done"/> holds, advances the clock to the next armed one-shot timer.</summary>
    public Task RunUntilAsync(Func<bool> done, string what) =>
        Wait.UntilAsync(
            () =>
            {
                if (done())
                {
                    return true;
                }

                var pending = PendingOneShots();
                if (pending.Count > 0)
                {
                    Advance(pending[0] > TimeSpan.Zero ? pending[0] : TimeSpan.FromTicks(1));
                }

                return done();
            },
            what);

    private void Remove(TrackedTimer timer)
    {
        lock (_timers)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class TrackedTimer(TestClock clock, TimerCallback callback, object? state) : ITimer
    {
        private readonly Lock _gate = new();

        public ITimer Inner { get; set; } = null!;

        public DateTimeOffset? Due { get; private set; }

        public TimeSpan Period { get; private set; } = Timeout.InfiniteTimeSpan;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_gate)
            {
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow() + dueTime;
                Period = period;
                return Inner.Change(dueTime, period);
            }
        }

        public void Fire()
        {
            lock (_gate)
            {
                Due = Period == Timeout.InfiniteTimeSpan || Period == TimeSpan.Zero ? null : Due + Period;
            }

            callback(state);
        }

        public void Dispose()
        {
            lock (_gate)
            {
                Due = null;
            }

            clock.Remove(this);
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>
/// An engine wrapper that checks every read of one topic against the consumer's watermark: the fetch loop
/// must never ask for (or receive) events beyond watermark + window.
/// </summary>
internal sealed class WindowCheckingEngine(IShoalEngine inner, string topic) : ForwardingEngine(inner)
{
    private long _maxRequestedAhead;
    private long _maxFetchedAhead;
    private long _fetchedEnd;

    /// <summary>Reads the consumer's watermark (set once the runtime exists).</summary>
    public Func<long> Watermark { get; set; } = () => 0;

    /// <summary>The largest (from + requested) − watermark of any read.</summary>
    public long MaxRequestedAhead => Interlocked.Read(ref _maxRequestedAhead);

    /// <summary>The largest (last fetched offset + 1) − watermark seen after any read.</summary>
    public long MaxFetchedAhead => Interlocked.Read(ref _maxFetchedAhead);

    /// <summary>One past the highest offset fetched so far.</summary>
    public long FetchedEnd => Interlocked.Read(ref _fetchedEnd);

    public override async ValueTask<int> ReadAsync(string name, int partition, long fromOffset, Memory<EventEnvelope> destination, CancellationToken cancellationToken = default)
    {
        if (name != topic)
        {
            return await Inner.Log.ReadAsync(name, partition, fromOffset, destination, cancellationToken);
        }

        Max(ref _maxRequestedAhead, fromOffset + destination.Length - Watermark());
        var count = await Inner.Log.ReadAsync(name, partition, fromOffset, destination, cancellationToken);
        if (count > 0)
        {
            var end = destination.Span[count - 1].Offset + 1;
            Max(ref _fetchedEnd, end);
            Max(ref _maxFetchedAhead, end - Watermark());
        }

        return count;
    }

    private static void Max(ref long location, long value)
    {
        var current = Interlocked.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
