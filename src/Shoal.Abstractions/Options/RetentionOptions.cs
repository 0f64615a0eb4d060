namespace Shoal;

/// <summary>
/// Retention: events below the lowest committed offset of every group may be trimmed
/// (<see cref="TrimCommitted"/>), and independent of groups the size and age limits apply, as in Kafka.
/// </summary>
public sealed record RetentionOptions
{
    /// <summary>Trim committed events, keep at most 1 GiB and 1,000,000 events per partition, no age limit. A new instance on every call, so changing one (a configuration binder does) never changes another.</summary>
    public static RetentionOptions Default => new();

    /// <summary>Discard events every group has committed past. Default true. With no group yet, nothing is trimmed by this rule.</summary>
    public bool TrimCommitted { get; init; } = true;

    /// <summary>Keep at most this many events per partition (oldest discarded first). Default 1,000,000.</summary>
    public long MaxEventsPerPartition { get; init; } = 1_000_000;

    /// <summary>Keep at most this many payload bytes per partition (oldest discarded first). Default 1 GiB.</summary>
    public long MaxBytesPerPartition { get; init; } = 1L << 30;

    /// <summary>Discard events older than this. Default <see cref="Timeout.InfiniteTimeSpan"/> (no age limit).</summary>
    public TimeSpan MaxAge { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        OptionChecks.Range("RetentionOptions.MaxEventsPerPartition", MaxEventsPerPartition, 1, long.MaxValue);
        OptionChecks.Range("RetentionOptions.MaxBytesPerPartition", MaxBytesPerPartition, 1, long.MaxValue);
        OptionChecks.PositiveOrInfinite("RetentionOptions.MaxAge", MaxAge);
    }
}
