namespace Shoal.Simulation;

/// <summary>
/// Simulated time: it stands still while work is ready and jumps to the next timer when none is. Timers fire in
/// due order, ties in creation order, on the simulation's thread — so time never decides an interleaving.
/// </summary>
internal sealed class VirtualClock : TimeProvider
{
    public static readonly DateTimeOffset Origin = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly PriorityQueue<(VirtualTimer Timer, long Version), (long Due, long Sequence)> _queue = new();
    private long _now = Origin.UtcTicks;
    private long _sequence;

    public override DateTimeOffset GetUtcNow() => new(_now, TimeSpan.Zero);

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _now - Origin.UtcTicks;

    /// <summary>Time since the start of the run.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(_now - Origin.UtcTicks);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>When the next live timer is due, or null when none is scheduled.</summary>
    public TimeSpan? NextDue()
    {
        while (_queue.TryPeek(out var head, out var priority))
        {
            if (head.Timer.Version == head.Version)
            {
                return TimeSpan.FromTicks(priority.Due - Origin.UtcTicks);
            }

            _queue.Dequeue();
        }

        return null;
    }

    /// <summary>Moves time to the next due timer (never past <paramref name="limit"/>) and fires every timer due then.</summary>
    public bool AdvanceToNext(TimeSpan limit)
    {
        if (NextDue() is not { } due || due > limit)
        {
            return false;
        }

        _now = Math.Max(_now, Origin.UtcTicks + due.Ticks);
        while (_queue.TryPeek(out var head, out var priority) && priority.Due <= _now)
        {
            _queue.Dequeue();
            if (head.Timer.Version == head.Version)
            {
                head.Timer.Fire();
            }
        }

        return true;
    }

    /// <summary>Moves time forward to <paramref name="at"/> (since the start) without firing anything.</summary>
    public void AdvanceTo(TimeSpan at) => _now = Math.Max(_now, Origin.UtcTicks + at.Ticks);

    private void Schedule(VirtualTimer timer, long dueTicks) =>
        _queue.Enqueue((timer, timer.Version), (dueTicks, _sequence++));

    private sealed class VirtualTimer(VirtualClock clock, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public long Version { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Version++;
            _period = period;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                clock.Schedule(this, clock._now + Math.Max(0, dueTime.Ticks));
            }

            return true;
        }

        public void Fire()
        {
            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                clock.Schedule(this, clock._now + _period.Ticks);
            }
            else
            {
                Version++;
            }

            callback(state);
        }

        public void Dispose() => Version++;

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
