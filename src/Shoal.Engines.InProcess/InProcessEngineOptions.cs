namespace Shoal.Engines.InProcess;

/// <summary>Options of the in-process engine.</summary>
public sealed record InProcessEngineOptions
{
    /// <summary>The defaults: system time, 1 MiB events, retention checked at most once a second per topic. A new instance on every call, so changing one (a configuration binder does) never changes another.</summary>
    public static InProcessEngineOptions Default => new();

    /// <summary>
    /// Where the engine reads time from (de-duplication window, retention by age, retention check interval).
    /// Default <see cref="TimeProvider.System"/>; tests and the simulation pass a fake one.
    /// </summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The largest event accepted, in bytes: payload plus the lengths of id, key, type, content type and
    /// headers (counted as one byte per character). Default 1 MiB. A batch holding a larger event is rejected
    /// whole with <see cref="EventTooLargeException"/>.
    /// </summary>
    public int MaxEventBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Retention by age and by committed offsets is checked lazily, on append, at most this often per topic
    /// (there is no background timer). Default 1 second.
    /// </summary>
    public TimeSpan RetentionCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (TimeProvider is null)
        {
            throw new ShoalConfigurationException("InProcessEngineOptions.TimeProvider", "must not be null.");
        }

        if (MaxEventBytes < 1)
        {
            throw new ShoalConfigurationException("InProcessEngineOptions.MaxEventBytes", $"must be at least 1; was {MaxEventBytes}.");
        }

        if (RetentionCheckInterval < TimeSpan.Zero)
        {
            throw new ShoalConfigurationException("InProcessEngineOptions.RetentionCheckInterval", $"must not be negative; was {RetentionCheckInterval}.");
        }
    }
}
