namespace Shoal.Engines.InProcess;

/// <summary>When an append is acknowledged relative to the disk.</summary>
public enum FileDurability
{
    /// <summary>
    /// An append returns only once its events are on stable storage (written with <c>O_SYNC</c> and committed).
    /// Appends waiting at the same time share one commit per partition (group commit). A crash of the process, the
    /// OS or the machine loses no acknowledged event.
    /// </summary>
    FlushBeforeAck,

    /// <summary>
    /// An append returns once its events are in memory; every <see cref="FileEngineOptions.FlushInterval"/> each
    /// partition with new events is committed. A crash of the process, the OS or the machine loses at most the events
    /// acknowledged since the last completed commit: those of the last interval plus the commit's own duration.
    /// Consumers never see an event before it is durable, so no committed offset points past what survives.
    /// </summary>
    Interval,
}
