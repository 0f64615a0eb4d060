namespace Shoal;

/// <summary>What happens to a key once one of its events is dead-lettered.</summary>
public enum PoisonKeyPolicy
{
    /// <summary>
    /// Strict order: the key is parked. Its later events are not handled; they go to the dead-letter topic in
    /// order, marked as parked, until an operator releases the key. Other keys never wait.
    /// </summary>
    Park,

    /// <summary>The poison event is dead-lettered and the key's later events are handled as usual.</summary>
    Skip,
}

/// <summary>Which partitions of the topic a node consumes for a group.</summary>
public enum PartitionOwnership
{
    /// <summary>Every partition: a single node, or nodes that each want every event (not load-balanced). Default.</summary>
    All,

    /// <summary>
    /// Only the partitions it is given through <c>ShoalRuntime.GetGroup(name)</c>: the cluster layer assigns them,
    /// each under a fenced lease, so that each event of the group is handled by one member.
    /// </summary>
    Assigned,
}

/// <summary>Where a group with no committed offset starts reading a partition.</summary>
public enum StartPosition
{
    /// <summary>At the first retained event (Kafka's <c>earliest</c>). Default.</summary>
    Earliest,

    /// <summary>At the end: only events appended from now on (Kafka's <c>latest</c>).</summary>
    Latest,
}

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

    /// <summary>On stop, how long in-flight handlers may take to finish before they are cancelled. Default 30 s.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

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

/// <summary>Retry with exponential backoff and jitter: delay n = min(Max, Initial × Multiplier^(n−1)) ± Jitter.</summary>
public sealed record RetryOptions
{
    /// <summary>5 attempts, 200 ms doubling to at most 30 s, ±20 % jitter. A new instance on every call, so changing one (a configuration binder does) never changes another.</summary>
    public static RetryOptions Default => new();

    /// <summary>Attempts in all, the first included; 1 means no retry. Default 5.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Delay before the first retry. Default 200 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest delay. Default 30 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Growth factor between retries. Default 2.</summary>
    public double Multiplier { get; init; } = 2.0;

    /// <summary>Random spread as a fraction of the delay, 0 to 1. Default 0.2 (±20 %).</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        OptionChecks.Range("RetryOptions.MaxAttempts", MaxAttempts, 1, 1000);
        OptionChecks.NotNegative("RetryOptions.InitialBackoff", InitialBackoff);
        OptionChecks.NotNegative("RetryOptions.MaxBackoff", MaxBackoff);
        if (MaxBackoff < InitialBackoff)
        {
            throw new ShoalConfigurationException("RetryOptions.MaxBackoff", $"must be at least InitialBackoff ({InitialBackoff}); was {MaxBackoff}.");
        }

        OptionChecks.Range("RetryOptions.Multiplier", Multiplier, 1.0, 100.0);
        OptionChecks.Range("RetryOptions.Jitter", Jitter, 0.0, 1.0);
    }

    /// <summary>The delay before attempt <paramref name="nextAttempt"/> (2 = first retry), with jitter from <paramref name="random"/>.</summary>
    public TimeSpan BackoffBefore(int nextAttempt, Random random)
    {
        var exponent = Math.Max(0, nextAttempt - 2);
        var ticks = InitialBackoff.Ticks * Math.Pow(Multiplier, exponent);
        ticks = Math.Min(ticks, MaxBackoff.Ticks);
        if (Jitter > 0)
        {
            ticks *= 1.0 + (Jitter * ((random.NextDouble() * 2.0) - 1.0));
        }

        return TimeSpan.FromTicks((long)Math.Clamp(ticks, 0, MaxBackoff.Ticks));
    }
}
