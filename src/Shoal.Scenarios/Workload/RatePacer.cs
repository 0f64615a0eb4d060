namespace Shoal.Scenarios.Workload;

/// <summary>
/// Spaces calls evenly at most <c>rate</c> per second (<c>shoal worker --max-rate</c>): each caller takes the next free
/// slot and waits for it. Slots not taken are not saved up (no bursts after idling), so a busy worker handles exactly
/// the rate, like a member whose CPU is the limit.
/// </summary>
internal sealed class RatePacer
{
    private readonly TimeProvider _time;
    private readonly long _ticksPerEvent;
    private readonly Lock _gate = new();
    private long _nextSlot;

    public RatePacer(double ratePerSecond, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        _time = time;
        _ticksPerEvent = Math.Max(1, (long)(TimeSpan.TicksPerSecond / ratePerSecond));
    }

    /// <summary>Completes at this caller's slot.</summary>
    public Task WaitTurnAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcTicks;
        long slot;
        lock (_gate)
        {
            slot = Math.Max(now, _nextSlot);
            _nextSlot = slot + _ticksPerEvent;
        }

        var wait = TimeSpan.FromTicks(slot - now);
        return wait <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(wait, _time, cancellationToken);
    }
}
