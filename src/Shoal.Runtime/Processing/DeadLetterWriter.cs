using Shoal.Diagnostics;
using Shoal.Engine;

namespace Shoal.Processing;

/// <summary>
/// Writes events a group gives up on to its dead-letter topic, with the reason and error in headers. The
/// dead-lettered event keeps its id (so a redelivered poison event is not stored twice) and its key and
/// partition (so the dead-letter topic keeps per-key order). Engine failures are retried until the partition
/// stops: an event is never dropped because the dead-letter write failed.
/// </summary>
internal sealed class DeadLetterWriter(GroupContext group)
{
    private const int MaxErrorMessageLength = 2048;

    public async ValueTask WriteAsync(EventEnvelope envelope, string reason, Exception? error, int attempts, CancellationToken stop)
    {
        var own = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ShoalHeaders.DeadLetterReason] = reason,
            [ShoalHeaders.Attempts] = attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ShoalHeaders.Group] = group.Group,
            [ShoalHeaders.OriginalTopic] = envelope.Topic,
            [ShoalHeaders.OriginalPartition] = envelope.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ShoalHeaders.OriginalOffset] = envelope.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (error is not null)
        {
            own[ShoalHeaders.ErrorType] = error.GetType().FullName ?? error.GetType().Name;
            own[ShoalHeaders.ErrorMessage] = EventRules.ToHeaderValue(error.Message.Length > MaxErrorMessageLength ? error.Message[..MaxErrorMessageLength] : error.Message);
        }

        var headers = envelope.Headers is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(envelope.Headers, StringComparer.Ordinal);
        foreach (var (name, value) in own)
        {
            headers[name] = value;
        }

        var topic = group.Options.DeadLetterTopic;
        var dead = envelope with { Topic = topic, Headers = headers, Partition = -1, Offset = -1, Deduplicate = true };
        if (EventRules.Check(dead) is not null)
        {
            // The event's own headers and these no longer meet the rules together (a foreign event near the header
            // limit): keep the dead-letter headers, drop the event's (they stay on the source event).
            headers = own;
            headers["shoal-headers-dropped"] = "invalid";
            dead = dead with { Headers = headers };
        }

        var partition = envelope.Partition % group.DeadLetterPartitions;
        var result = new AppendedEvent[1];
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await group.Engine.Log.AppendAsync(topic, partition, new[] { dead }, result, stop);
                Telemetry.DeadLettered.Add(1, group.Tags);
                if (reason == ShoalHeaders.Reasons.Parked)
                {
                    // The key's parking was logged once; the events held behind it are not logged one by one.
                    RuntimeLog.ParkedEventDeadLettered(group.Logger, group.Group, envelope.Id, envelope.Topic, envelope.Partition, envelope.Offset, envelope.Key, topic);
                }
                else
                {
                    RuntimeLog.DeadLettered(group.Logger, error, group.Group, envelope.Id, envelope.Type, envelope.Key, envelope.Topic, envelope.Partition, envelope.Offset, topic, attempts, reason);
                }

                return;
            }
            catch (EventTooLargeException) when (!dead.Payload.IsEmpty)
            {
                // The headers pushed it over the limit: keep the record, drop the payload (it stays in the source topic).
                headers["shoal-payload-dropped"] = "too-large";
                dead = dead with { Payload = ReadOnlyMemory<byte>.Empty };
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                group.EngineTrouble.Observe(ex);
                RuntimeLog.DeadLetterWriteFailed(group.Logger, ex, group.Group, topic, attempt);
                await Task.Delay(group.EngineBackoff(attempt), group.Time, stop);
            }
        }
    }
}
