namespace Shoal.Testing;

/// <summary>How <see cref="ShoalTestHost"/> runs the node under test. Change the defaults with <c>with</c>.</summary>
public sealed record ShoalTestOptions
{
    /// <summary>The defaults: no redelivery, real time, 10 s idle wait, 5 s stop. A new instance on every call.</summary>
    public static ShoalTestOptions Default => new();

    /// <summary>
    /// When true, every handler call that succeeds is followed at once by a second call with the same event, as a
    /// redelivery: the same <see cref="EventContext.Id"/>, offset and payload (deserialized again),
    /// <see cref="EventContext.Attempt"/> counting from 1 again and an <see cref="EventContext.Epoch"/> one higher,
    /// as after a fail-over. A handler whose effects are idempotent leaves the same state as with one call.
    /// Should the redelivery fail, the runtime retries it (not the first call) like any failed event. Default false.
    /// </summary>
    public bool RedeliverEveryEventOnce { get; init; }

    /// <summary>
    /// The node's clock (retry backoffs, handler timeouts, commits), registered in the container; null for the
    /// container's, else <see cref="TimeProvider.System"/>. With a fake clock, move it forward yourself: a retry
    /// waits for it. The idle wait's own timeout is always in real time.
    /// </summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>How long <see cref="ShoalTestHost.WaitForIdleAsync"/> waits when no timeout is given. Default 10 s.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long disposing the host waits for the handler calls running before cancelling them through their token
    /// (the node's own stop, shortened for tests). Default 5 s.
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (IdleTimeout <= TimeSpan.Zero && IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ShoalConfigurationException("ShoalTestOptions.IdleTimeout", $"must be positive or Timeout.InfiniteTimeSpan; was {IdleTimeout}.");
        }

        if (StopTimeout < TimeSpan.Zero)
        {
            throw new ShoalConfigurationException("ShoalTestOptions.StopTimeout", $"must not be negative; was {StopTimeout}.");
        }
    }
}
