namespace Shoal.Scenarios.Bench;

/// <summary>How <c>shoal bench latency</c>'s publisher waits for the next slot of its schedule.</summary>
public enum LatencyPacing
{
    /// <summary>
    /// An async 1 ms <c>Task.Delay</c> between checks: no thread of its own and no spinning, but the timer wakes late
    /// (about 4 ms on a loaded Linux machine), so due events wait and go out several at once.
    /// </summary>
    Timer,

    /// <summary>A dedicated thread that sleeps (<c>Thread.Sleep</c>, about 1 ms at the finest) until each slot: finer than the timer, no spinning.</summary>
    Sleep,

    /// <summary>
    /// A dedicated thread that sleeps until about 1 ms before each slot and spins the rest: sends on the slot, at the
    /// cost of up to a whole core while publishing (at 1,000 events/s and more the slots are closer than the margin).
    /// </summary>
    Spin,
}
