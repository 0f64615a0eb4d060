using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Shoal.Engines.Nats;

/// <summary>
/// A read position in one partition: an ordered pull consumer (ephemeral, no acks; the client recreates it at the
/// right sequence after a reconnect or a gap) that keeps up to the read-ahead of messages pulled, so consecutive
/// <see cref="Shoal.Engine.IEventLog.ReadAsync"/> calls that continue where the last one stopped are served from what
/// has arrived. A read takes every message already buffered without waiting, and waits only when there is none
/// (the pending wait is kept for the next read if the caller gives up). No extra task or channel sits between the
/// client and the caller: measured, each hop cost more than the header decoding (docs/nats.md).
/// </summary>
internal sealed class PartitionCursor : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly string _topic;
    private readonly int _partition;
    private IAsyncEnumerator<INatsJSMsg<byte[]>> _messages = null!;
    private Task<bool>? _pending;

    private PartitionCursor(string topic, int partition, long next)
    {
        _topic = topic;
        _partition = partition;
        Next = next;
    }

    /// <summary>The offset the next event read from this cursor will have (or a later one, if events were trimmed).</summary>
    public long Next { get; private set; }

    public static async ValueTask<PartitionCursor> OpenAsync(NatsJSContext js, string topic, int partition, long from, int readAhead, CancellationToken cancellationToken)
    {
        var cursor = new PartitionCursor(topic, partition, from);
        var consumer = await js.CreateOrderedConsumerAsync(NatsNames.Stream(topic, partition), new NatsJSOrderedConsumerOpts
        {
            DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
            OptStartSeq = (ulong)from + 1,
        }, cancellationToken);
        cursor._messages = consumer
            .ConsumeAsync(NatsRawSerializer<byte[]>.Default, new NatsJSConsumeOpts { MaxMsgs = readAhead }, cursor._stop.Token)
            .GetAsyncEnumerator(cursor._stop.Token);
        return cursor;
    }

    /// <summary>Waits for at least one event, then takes what has already arrived (up to the destination's length).</summary>
    public async ValueTask<int> ReadAsync(Memory<EventEnvelope> destination, CancellationToken cancellationToken)
    {
        try
        {
            var count = 0;
            while (count == 0)
            {
                ObjectDisposedException.ThrowIf(!await NextMessageAsync(cancellationToken), this);
                count = Take(destination.Span, count);
                while (count < destination.Length)
                {
                    var move = _messages.MoveNextAsync();
                    if (!move.IsCompleted)
                    {
                        _pending = move.AsTask();
                        break;
                    }

                    if (!move.GetAwaiter().GetResult())
                    {
                        break;
                    }

                    count = Take(destination.Span, count);
                }
            }

            Next = destination.Span[count - 1].Offset + 1;
            return count;
        }
        catch (Exception e) when (e is not OperationCanceledException and not ObjectDisposedException)
        {
            throw new EngineException($"Reading partition {_partition} of topic '{_topic}' from NATS failed: {NatsErrors.Describe(e)}", e);
        }
    }

    /// <summary>Waits for the next message, keeping the wait for the next read if the caller gives up.</summary>
    private async ValueTask<bool> NextMessageAsync(CancellationToken cancellationToken)
    {
        if (_pending is null)
        {
            var move = _messages.MoveNextAsync();
            if (move.IsCompleted)
            {
                return move.GetAwaiter().GetResult();
            }

            _pending = move.AsTask();
        }

        var more = await _pending.WaitAsync(cancellationToken);
        _pending = null;
        return more;
    }

    /// <summary>
    /// Adds the current message unless it lies before <see cref="Next"/>: a consumer asked to start beyond the end of
    /// the stream starts at the end (nats-server clamps the start sequence), so it may deliver earlier events.
    /// </summary>
    private int Take(Span<EventEnvelope> destination, int count)
    {
        var e = Convert(_messages.Current);
        if (e.Offset < Next)
        {
            return count;
        }

        destination[count] = e;
        return count + 1;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            if (_pending is not null)
            {
                await _pending;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }
        catch (NatsException)
        {
            // The consumer failed; nothing more to stop.
        }

        try
        {
            await _messages.DisposeAsync();
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }

        _stop.Dispose();
    }

    private EventEnvelope Convert(INatsJSMsg<byte[]> msg)
    {
        var metadata = msg.Metadata!.Value;
        return EventHeaders.Read(_topic, _partition, (long)metadata.Sequence.Stream - 1, msg.Headers, msg.Data, metadata.Timestamp);
    }
}
