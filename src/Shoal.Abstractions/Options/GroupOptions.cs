namespace Shoal;

/// <summary>
/// A consumer group: a name, the topic it reads, and how it processes. Every group sees every event of the
/// topic; within a group each event is handled by one member.
/// </summary>
public sealed record GroupOptions
{
    /// <summary>The group's name (see <see cref="NameRules"/>).</summary>
    public required string Name { get; init; }

    /// <summary>The topic the group consumes.</summary>
    public required string Topic { get; init; }

    /// <summary>
    /// How many keys of one partition may run handlers at the same time. Different keys run concurrently up
    /// to this limit, so parallelism is not capped by the partition count. Default 64.
    /// </summary>
    public int MaxConcurrency { get; init; } = 64;

    /// <summary>
    /// The in-flight window per partition: at most this many offsets between the committed watermark and the
    /// next event fetched. Bounds memory (prefetch) and redelivery after a crash. Default 1024.
    /// </summary>
    public int MaxInFlight { get; init; } = 1024;

    /// <summary>How many events one read from the engine fetches at most. Default 256.</summary>
    public int FetchBatchSize { get; init; } = 256;

    /// <summary>
    /// A handler that has not finished this long after it started waiting is cancelled through its token and
    /// the attempt counts as failed. Default 30 s; <see cref="Timeout.InfiniteTimeSpan"/> for none.
    /// </summary>
    public TimeSpan HandlerTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries before an event is dead-lettered.</summary>
    public RetryOptions Retry { get; init; } = new();

    /// <summary>What happens to a key after one of its events is dead-lettered. Default <see cref="PoisonKeyPolicy.Park"/>.</summary>
    public PoisonKeyPolicy PoisonKeyPolicy { get; init; } = PoisonKeyPolicy.Park;

    /// <summary>How often the contiguous watermark is committed. Default 1 s (and always on stop).</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// On stop or hand-over, how long the handler calls already running may take to finish before they are cancelled
    /// (events not started, or waiting for a retry, are left to the next owner at once). Default 20 s: inside the generic host's default
    /// <c>HostOptions.ShutdownTimeout</c> (30 s) and Kubernetes' default grace period (30 s), with room for the final commit.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Where to start when the group has no committed offset for a partition. Default earliest.</summary>
    public StartPosition StartPosition { get; init; } = StartPosition.Earliest;

    /// <summary>Which partitions this node consumes. Default <see cref="Shoal.PartitionOwnership.All"/>.</summary>
    public PartitionOwnership PartitionOwnership { get; init; } = PartitionOwnership.All;

    /// <summary>The group's dead-letter topic: <c>{topic}.{group}.dlq</c>, with as many partitions as the topic.</summary>
    public string DeadLetterTopic => $"{Topic}.{Name}.dlq";

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        NameRules.Validate("GroupOptions.Name", Name);
        NameRules.Validate("GroupOptions.Topic", Topic);
        OptionChecks.Range("GroupOptions.MaxConcurrency", MaxConcurrency, 1, 100_000);
        OptionChecks.Range("GroupOptions.MaxInFlight", MaxInFlight, 1, 1_000_000);
        OptionChecks.Range("GroupOptions.FetchBatchSize", FetchBatchSize, 1, 100_000);
        OptionChecks.PositiveOrInfinite("GroupOptions.HandlerTimeout", HandlerTimeout);
        OptionChecks.Positive("GroupOptions.CommitInterval", CommitInterval);
        OptionChecks.NotNegative("GroupOptions.DrainTimeout", DrainTimeout);
        OptionChecks.Defined("GroupOptions.PoisonKeyPolicy", PoisonKeyPolicy);
        OptionChecks.Defined("GroupOptions.StartPosition", StartPosition);
        OptionChecks.Defined("GroupOptions.PartitionOwnership", PartitionOwnership);
        if (Retry is null)
        {
            throw new ShoalConfigurationException("GroupOptions.Retry", "must not be null.");
        }

        Retry.Validate();
    }
}
