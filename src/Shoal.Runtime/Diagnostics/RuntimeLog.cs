using Microsoft.Extensions.Logging;

namespace Shoal.Diagnostics;

/// <summary>Source-generated log messages with stable event ids (1000s: runtime).</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(1001, LogLevel.Information, "Group {Group} started partition {Partition} of {Topic} at offset {Offset}")]
    public static partial void PartitionStarted(ILogger logger, string group, string topic, int partition, long offset);

    [LoggerMessage(1002, LogLevel.Information, "Group {Group} stopped partition {Partition} of {Topic}; committed offset {Offset}")]
    public static partial void PartitionStopped(ILogger logger, string group, string topic, int partition, long offset);

    [LoggerMessage(1003, LogLevel.Warning, "Group {Group}: handler failed for event {EventId} (type {Type}, key {Key}, {Topic}/{Partition}@{Offset}), attempt {Attempt} of {MaxAttempts}; retrying: {Error}")]
    public static partial void HandlerFailed(ILogger logger, string group, string eventId, string type, string? key, string topic, int partition, long offset, int attempt, int maxAttempts, string error);

    [LoggerMessage(1014, LogLevel.Debug, "Group {Group}: handler failure of event {EventId} ({Topic}/{Partition}@{Offset}), attempt {Attempt}")]
    public static partial void HandlerFailureDetail(ILogger logger, Exception exception, string group, string eventId, string topic, int partition, long offset, int attempt);

    [LoggerMessage(1004, LogLevel.Error, "Group {Group}: event {EventId} (type {Type}, key {Key}, {Topic}/{Partition}@{Offset}) dead-lettered to {DeadLetterTopic} after {Attempts} attempt(s): {Reason}")]
    public static partial void DeadLettered(ILogger logger, Exception? exception, string group, string eventId, string type, string? key, string topic, int partition, long offset, string deadLetterTopic, int attempts, string reason);

    [LoggerMessage(1015, LogLevel.Debug, "Group {Group}: event {EventId} ({Topic}/{Partition}@{Offset}) of parked key '{Key}' dead-lettered to {DeadLetterTopic}")]
    public static partial void ParkedEventDeadLettered(ILogger logger, string group, string eventId, string topic, int partition, long offset, string? key, string deadLetterTopic);

    [LoggerMessage(1005, LogLevel.Warning, "Group {Group}: key '{Key}' of {Topic}/{Partition} parked at event {EventId} (offset {Offset}), {Reason}: {Error}; its later events go to {DeadLetterTopic} until the key is released")]
    public static partial void KeyParked(ILogger logger, string group, string key, string topic, int partition, string eventId, long offset, string reason, string error, string deadLetterTopic);

    [LoggerMessage(1013, LogLevel.Information, "Group {Group}: key '{Key}' of {Topic}/{Partition} released; its next events are handled again (the events parked behind it stay in {DeadLetterTopic})")]
    public static partial void KeyReleased(ILogger logger, string group, string key, string topic, int partition, string deadLetterTopic);

    [LoggerMessage(1006, LogLevel.Warning, "Group {Group}: writing to dead-letter topic {DeadLetterTopic} failed (attempt {Attempt}); retrying")]
    public static partial void DeadLetterWriteFailed(ILogger logger, Exception exception, string group, string deadLetterTopic, int attempt);

    [LoggerMessage(1007, LogLevel.Warning, "Group {Group}: {Topic}/{Partition} resumes at offset {Offset}: offsets before it were trimmed by retention before being processed")]
    public static partial void OffsetsTrimmed(ILogger logger, string group, string topic, int partition, long offset);

    [LoggerMessage(1008, LogLevel.Warning, "Group {Group}: drain of {Topic}/{Partition} passed its deadline; cancelling {Running} running handler(s)")]
    public static partial void DrainTimedOut(ILogger logger, string group, string topic, int partition, int running);

    [LoggerMessage(1009, LogLevel.Warning, "Group {Group}: commit of {Topic}/{Partition} failed; will retry")]
    public static partial void CommitFailed(ILogger logger, Exception exception, string group, string topic, int partition);

    [LoggerMessage(1010, LogLevel.Error, "Group {Group}: partition {Topic}/{Partition} failed")]
    public static partial void PartitionFailed(ILogger logger, Exception exception, string group, string topic, int partition);

    [LoggerMessage(1012, LogLevel.Warning, "Group {Group}: reading {Topic}/{Partition} failed ({Failures} in a row); retrying")]
    public static partial void ReadFailed(ILogger logger, Exception exception, string group, string topic, int partition, int failures);

    [LoggerMessage(1011, LogLevel.Warning, "Group {Group}: commit of {Topic}/{Partition} was rejected: the offset record was changed by epoch {StoredEpoch} (ours {Epoch})")]
    public static partial void CommitRejected(ILogger logger, string group, string topic, int partition, long storedEpoch, long epoch);

    [LoggerMessage(1016, LogLevel.Warning, "Group {Group}: event {EventId} of {Topic}/{Partition}@{Offset} could not be handled because the engine is unavailable ({Failures} in a row): {Error}; attempt {Attempt} is not used up, the partition waits and tries again")]
    public static partial void HandlerEngineUnavailable(ILogger logger, string group, string eventId, string topic, int partition, long offset, int failures, int attempt, string error);

    [LoggerMessage(1030, LogLevel.Warning, "Group {Group}: event {EventId} with key {Key} was read from {Topic}/{Partition}@{Offset}, but the key belongs to partition {Home}; dead-lettering it as wrong-partition (its producer computed the partition wrong)")]
    public static partial void WrongPartition(ILogger logger, string group, string eventId, string? key, string topic, int partition, long offset, int home);
}
