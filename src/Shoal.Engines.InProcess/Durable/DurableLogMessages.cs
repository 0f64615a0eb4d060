using Microsoft.Extensions.Logging;

namespace Shoal.Engines.InProcess;

/// <summary>The durable engine's log messages.</summary>
internal static partial class DurableLogMessages
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning,
        Message = "{Uri}: partition {Partition} of topic '{Topic}' had {Bytes} bytes after its last commit (a write cut short by a crash, never acknowledged); truncated to the last complete record at address {Address}")]
    public static partial void TornTailTruncated(ILogger logger, string uri, string topic, int partition, long bytes, long address);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning,
        Message = "{Uri}: the coordination journal ended with {Bytes} bytes of a record cut short by a crash (never acknowledged); removed")]
    public static partial void CoordinationTornTail(ILogger logger, string uri, long bytes);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning,
        Message = "{Uri}: ignoring '{Directory}': a topic whose creation was cut short (no topic.json)")]
    public static partial void IncompleteTopicIgnored(ILogger logger, string uri, string directory);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Error,
        Message = "{Uri}: writing partition {Partition} of topic '{Topic}' failed; the engine stops accepting writes")]
    public static partial void WriteFailed(ILogger logger, string uri, string topic, int partition, Exception error);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning,
        Message = "{Uri}: partition {Partition} of topic '{Topic}': the commit record file '{File}' {Problem}. Recovered from the journal's records instead: {Events} events ({Offsets}), each checked by its checksum and offset; the commit record was written again")]
    public static partial void CommitRecordsRepaired(ILogger logger, string uri, string topic, int partition, string file, string problem, long events, string offsets);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Warning,
        Message = "{Uri}: partition {Partition} of topic '{Topic}': the {Bytes} bytes from address {Address} on, after the last record that checks out, may hold acknowledged events; moved to '{SavedTo}', not deleted")]
    public static partial void UnreadableBytesSaved(ILogger logger, string uri, string topic, int partition, long bytes, long address, string savedTo);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Warning,
        Message = "{Uri}: as '{AcceptLossFile}' asked, lowered the committed offset of group '{Group}' in partition {Partition} of topic '{Topic}' from {Committed} to the partition's end offset {End}: the events between were lost")]
    public static partial void CommittedOffsetLowered(ILogger logger, string uri, string topic, int partition, string group, long committed, long end, string acceptLossFile);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Warning,
        Message = "{Uri}: as '{AcceptLossFile}' asked, partition {Partition} of topic '{Topic}' keeps its {Events} events before address {Address} and gives up what follows; the damage there: {Damage}")]
    public static partial void DamageAccepted(ILogger logger, string uri, string topic, int partition, long address, string damage, long events, string acceptLossFile);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Information,
        Message = "{Uri}: recovered {Topics} topics, {Events} events in {ElapsedMs} ms")]
    public static partial void Recovered(ILogger logger, string uri, int topics, long events, long elapsedMs);
}
