using Microsoft.Extensions.Logging;
using Shoal.Engine;

namespace Shoal.Processing;

/// <summary>Everything the partitions of one group share: options, engine, handlers, time, randomness, logging.</summary>
internal sealed class GroupContext
{
    private readonly Random _random;

    public GroupContext(GroupOptions options, IShoalEngine engine, HandlerTable handlers, TimeProvider time, Random random, ILogger logger, TaskScheduler scheduler)
    {
        Options = options;
        Engine = engine;
        Handlers = handlers;
        Time = time;
        _random = random;
        Logger = logger;
        Scheduler = scheduler;
        Tags = [Diagnostics.Telemetry.GroupTag(options.Name), Diagnostics.Telemetry.TopicTag(options.Topic)];
    }

    public GroupOptions Options { get; }

    public string Group => Options.Name;

    public string Topic => Options.Topic;

    public IShoalEngine Engine { get; }

    public HandlerTable Handlers { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public TaskScheduler Scheduler { get; }

    public KeyValuePair<string, object?>[] Tags { get; }

    /// <summary>
    /// Test switch (simulation only): a rejected commit overwrites the record whatever its epoch, as if commits
    /// carried no fencing epoch. The checker must then report zombie commits.
    /// </summary>
    public bool UnsafeCommitWithoutFencing { get; init; }

    /// <summary>Transient engine errors the node has seen (shared by its publisher and every group).</summary>
    public EngineTrouble EngineTrouble { get; init; } = new();

    /// <summary>Partitions of the group's topic (set when the group starts, before any partition is consumed).</summary>
    public int TopicPartitions { get; set; }

    /// <summary>Partitions of the dead-letter topic (set once it exists).</summary>
    public int DeadLetterPartitions { get; set; } = 1;

    /// <summary>
    /// Retry delays while the engine fails (reads, dead-letter writes): capped at 2 s, not the handler retries' 30 s,
    /// so that a partition resumes within about two seconds of its engine coming back (a NATS server restart showed
    /// reads waiting up to 30 s between attempts long after the server was back).
    /// </summary>
    private static readonly RetryOptions EngineRetry = new() { InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromSeconds(2) };

    /// <summary>The delay before retrying an engine call that has failed <paramref name="failures"/> times in a row.</summary>
    public TimeSpan EngineBackoff(int failures) => Backoff(EngineRetry, Math.Min(failures + 1, 10));

    /// <summary>The retry delay before <paramref name="nextAttempt"/>, jittered by the injected (seeded) random source.</summary>
    public TimeSpan Backoff(RetryOptions retry, int nextAttempt)
    {
        lock (_random)
        {
            return retry.BackoffBefore(nextAttempt, _random);
        }
    }
}
