using System.Buffers;
using NATS.Client.Core;
using Shoal.Engine;

namespace Shoal.Engines.Nats;

internal sealed partial class NatsEventLog
{
    /// <remarks>
    /// JetStream (2.9) has no atomic multi-message publish, so a batch is not all or nothing on NATS: every event is
    /// checked against <see cref="EventRules"/> and its size before anything is sent (an event that breaks a rule or is
    /// too large rejects the whole batch, nothing stored), then the batch is
    /// written in order through the publish window and its acknowledgements awaited. If the connection or a server
    /// fails part-way, some events may be stored and the call throws <see cref="EngineException"/> saying how many were
    /// acknowledged; retrying the same batch is safe for events that ask for <see cref="EventEnvelope.Deduplicate"/>
    /// (their <c>Nats-Msg-Id</c> makes the server answer "duplicate" with the original sequence) and may store the others
    /// twice. See docs/guarantees.md.
    /// </remarks>
    public async ValueTask AppendAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, Memory<AppendedEvent> results, CancellationToken cancellationToken = default)
    {
        var description = await RequirePartitionAsync(topic, partition, cancellationToken);
        if (results.Length < events.Length)
        {
            throw new ShoalConfigurationException("results", $"must hold at least {events.Length} entries (one per event); holds {results.Length}.");
        }

        if (events.IsEmpty)
        {
            return;
        }

        EventRules.Validate(events.Span);
        var count = events.Length;
        var deduplicationOn = description.Options.DeduplicationWindow > TimeSpan.Zero;
        var headers = ArrayPool<NatsHeaders>.Shared.Rent(count);
        try
        {
            var span = events.Span;
            for (var i = 0; i < count; i++)
            {
                headers[i] = EventHeaders.Build(span[i], deduplicationOn && span[i].Deduplicate && !string.IsNullOrEmpty(span[i].Id), out var size);
                if (size > MaxEventBytes)
                {
                    throw new EventTooLargeException(topic, span[i].Id, (int)Math.Min(size, int.MaxValue), MaxEventBytes);
                }
            }

            await PublishAsync(topic, partition, events, headers, results, cancellationToken);
        }
        finally
        {
            Array.Clear(headers, 0, count);
            ArrayPool<NatsHeaders>.Shared.Return(headers);
        }
    }

    private async ValueTask PublishAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, NatsHeaders[] headers, Memory<AppendedEvent> results, CancellationToken cancellationToken)
    {
        var count = events.Length;
        var subject = NatsNames.Subject(topic, partition);
        var window = _options.PublishWindow;
        var timeout = _options.Connection.RequestTimeout;
        var batch = _acks.Begin(count);
        try
        {
            try
            {
                for (var i = 0; i < count; i++)
                {
                    if (i - batch.Acked >= window)
                    {
                        await batch.WhenAckedAsync(i - window + 1).WaitAsync(timeout, TimeProvider.System, cancellationToken);
                    }

                    await _connection.PublishAsync(subject, events.Span[i].Payload, headers[i], _acks.ReplyTo(batch, i), NatsRawSerializer<ReadOnlyMemory<byte>>.Default, cancellationToken: cancellationToken);
                }

                await batch.WhenAckedAsync(count).WaitAsync(timeout, TimeProvider.System, cancellationToken);
            }
            catch (TimeoutException e)
            {
                throw new EngineException(
                    $"NATS: {batch.Acked} of {count} events for partition {partition} of topic '{topic}' were acknowledged within {timeout.TotalSeconds:0.#}s; " +
                    "the others may or may not be stored. Retry with the same ids: events with Deduplicate are not stored twice.", e, isTransient: true);
            }
            catch (NatsException e)
            {
                throw NatsErrors.Failure(
                    $"NATS: publishing to partition {partition} of topic '{topic}' failed after {batch.Acked} of {count} events were acknowledged: {NatsErrors.Describe(e)}", e);
            }

            Collect(topic, partition, batch, results.Span[..count]);
        }
        finally
        {
            _acks.End(batch);
            batch.Return();
        }
    }

    private static void Collect(string topic, int partition, PendingBatch batch, Span<AppendedEvent> results)
    {
        var acks = batch.Acks;
        string? firstError = null;
        var transient = true;
        var stored = 0;
        for (var i = 0; i < acks.Length; i++)
        {
            var ack = acks[i];
            if (ack.Error is not null)
            {
                firstError ??= $"event {i}: {ack.Error}";
                transient &= NatsErrors.IsTransient(ack.ErrorCode, ack.ErrorErrCode);
                continue;
            }

            stored++;
            results[i] = new AppendedEvent((long)ack.Sequence - 1, ack.Duplicate);
        }

        if (firstError is not null)
        {
            throw new EngineException(
                $"NATS: {acks.Length - stored} of {acks.Length} events for partition {partition} of topic '{topic}' were not stored ({firstError}). " +
                "Retry with the same ids: events with Deduplicate are not stored twice.", isTransient: transient);
        }
    }
}
