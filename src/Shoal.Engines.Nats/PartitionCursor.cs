using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Shoal.Engines.Nats;

/// <summary>
/// A read position in one partition: a plain pull consumer (ephemeral, in memory, no acks) that keeps up to the
/// read-ahead of messages pulled, so consecutive <see cref="Shoal.Engine.IEventLog.ReadAsync"/> calls that continue
/// where the last one stopped are served from what has arrived. A read takes every message already buffered without
/// waiting, and waits only when there is none (the pending wait is kept for the next read if the caller gives up).
/// </summary>
/// <remarks>
/// <para>
/// The cursor keeps the order itself, as NATS.Net's ordered consumer would but without its per-message cost (it parses
/// every message's metadata into an object; measured in docs/benchmarks.md): the stream and consumer sequences come
/// from the ack subject (<see cref="AckSubject"/>). A gap in the consumer sequence (messages lost on a reconnect), a gap
/// in the stream sequence that retention does not explain (a replica missing events, see <see cref="StuckAfter"/>), a
/// consumer the server no longer has (a terminal JetStream error, or no responders to the pull requests) or a missing
/// heartbeat (no message and no heartbeat for twice <see cref="IdleHeartbeat"/>: the server or the consumer is gone) replaces the consumer with a new one at
/// <see cref="Next"/>; nothing before <see cref="Next"/> is returned twice and nothing after it is skipped.
/// </para>
/// <para>No extra task or channel sits between the client and the caller: measured, each hop cost more than the header decoding (docs/nats.md).</para>
/// </remarks>
internal sealed class PartitionCursor : IAsyncDisposable
{
    /// <summary>How often an idle server sends a heartbeat on a pull; two missed ones replace the consumer.</summary>
    internal static readonly TimeSpan IdleHeartbeat = TimeSpan.FromSeconds(2);

    /// <summary>How long a pull request lives on the server before the client renews it.</summary>
    private static readonly TimeSpan PullExpiry = TimeSpan.FromSeconds(30);

    /// <summary>An ephemeral consumer nobody pulls from (its process died) is deleted by the server after this.</summary>
    private static readonly TimeSpan InactiveThreshold = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A read that has waited this long for its first message asks the stream (its leader answers) whether events at
    /// <see cref="Next"/> or later exist; if they do, the consumer is stuck and is replaced. An ephemeral consumer is
    /// placed on any replica of the stream and serves what that replica stores: on one that fell behind in a network
    /// partition and has not caught up (seen with nats-server 2.9: a healed replica 4 messages short for minutes), it
    /// waits for ever while sending heartbeats, so the missing-heartbeat check never fires. A new consumer may land on
    /// another replica.
    /// </summary>
    internal static readonly TimeSpan StuckAfter = IdleHeartbeat * 2;

    /// <summary>Consumers replaced within one read before it gives up (the caller retries later).</summary>
    private const int MaxSubscribesPerRead = 3;

    private readonly NatsJSContext _js;
    private readonly string _topic;
    private readonly int _partition;
    private readonly string _stream;
    private readonly int _readAhead;
    private readonly ILogger _logger;
    private Subscription? _subscription;

    private PartitionCursor(NatsJSContext js, string topic, int partition, long next, int readAhead, ILogger logger)
    {
        _js = js;
        _logger = logger;
        _topic = topic;
        _partition = partition;
        _stream = NatsNames.Stream(topic, partition);
        _readAhead = readAhead;
        Next = next;
    }

    /// <summary>The offset the next event read from this cursor will have (or a later one, if events were trimmed).</summary>
    public long Next { get; private set; }

    /// <summary>The consumer failed and will be replaced on the next read; an idle broken cursor is not worth keeping.</summary>
    public bool IsBroken => _subscription is null || _subscription.IsBroken;

    public static async ValueTask<PartitionCursor> OpenAsync(NatsJSContext js, string topic, int partition, long from, int readAhead, ILogger logger, CancellationToken cancellationToken)
    {
        var cursor = new PartitionCursor(js, topic, partition, from, readAhead, logger);
        cursor._subscription = await cursor.SubscribeAsync(cancellationToken);
        return cursor;
    }

    /// <summary>Waits for at least one event, then takes what has already arrived (up to the destination's length).</summary>
    public async ValueTask<int> ReadAsync(Memory<EventEnvelope> destination, CancellationToken cancellationToken)
    {
        var count = 0;
        var subscribed = 0;
        while (count == 0)
        {
            var subscription = _subscription;
            if (subscription is null || subscription.IsBroken)
            {
                if (++subscribed > MaxSubscribesPerRead)
                {
                    throw new EngineException($"Reading partition {_partition} of topic '{_topic}' from NATS failed: the consumer broke {MaxSubscribesPerRead} times in a row.", isTransient: true);
                }

                _subscription = null;
                if (subscription is not null)
                {
                    await subscription.DisposeAsync();
                }

                subscription = _subscription = await SubscribeAsync(cancellationToken);
            }

            try
            {
                var moved = await subscription.WaitAsync(StuckAfter, cancellationToken);
                if (moved is null)
                {
                    // Nothing for StuckAfter: fine when nothing was appended, a stuck consumer when something was.
                    if (await HasEventsFromAsync(Next, cancellationToken))
                    {
                        NatsLog.StuckConsumer(_logger, _topic, _partition, Next, StuckAfter.TotalSeconds);
                        subscription.Break();
                    }

                    continue;
                }

                if (moved is false)
                {
                    subscription.Break();
                    continue;
                }

                var messages = subscription.Messages;
                while (count < destination.Length)
                {
                    count = Take(subscription, messages.Current, destination.Span, count);
                    if (subscription.IsBroken || count == destination.Length || !subscription.TryMoveNext())
                    {
                        break;
                    }
                }

                if (count == 0 && subscription.SkippedTo is { } skippedTo)
                {
                    // The consumer jumped over events. If the stream (its leader answers) no longer holds them —
                    // trimmed from the front by retention, or deleted — they are gone for every reader and the read
                    // goes on after them; otherwise the consumer's replica is missing events the stream holds, and it
                    // is replaced (nothing past the gap was taken).
                    if (await GoneAsync(Next, skippedTo, cancellationToken))
                    {
                        Next = skippedTo;
                    }
                    else
                    {
                        NatsLog.ConsumerSkipped(_logger, _topic, _partition, Next, skippedTo);
                    }
                }
            }
            catch (OperationCanceledException) when (subscription.IsBroken && !cancellationToken.IsCancellationRequested)
            {
                // The missing-heartbeat check stopped the consumer: replace it.
            }
            catch (NatsException e)
            {
                // A terminal JetStream error (the consumer was deleted, e.g. by a server restart) or a failed
                // connection: replace the consumer; if that fails too, the caller hears why.
                subscription.Break();
                if (count == 0 && e is not NatsJSProtocolException)
                {
                    throw NatsErrors.Failure($"Reading partition {_partition} of topic '{_topic}' from NATS failed: {NatsErrors.Describe(e)}", e);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException and not ObjectDisposedException and not ShoalException)
            {
                subscription.Break();
                throw NatsErrors.Failure($"Reading partition {_partition} of topic '{_topic}' from NATS failed: {NatsErrors.Describe(e)}", e);
            }
        }

        Next = destination.Span[count - 1].Offset + 1;
        return count;
    }

    /// <summary>
    /// Adds the message unless it lies before <see cref="Next"/> or the previous event (a consumer asked to start beyond
    /// the end of the stream starts at the end: nats-server clamps the start sequence, so it may deliver earlier
    /// events). A gap in the consumer sequence breaks the subscription instead; the next read starts a new one.
    /// </summary>
    private int Take(Subscription subscription, INatsJSMsg<byte[]> msg, Span<EventEnvelope> destination, int count)
    {
        if (!AckSubject.TryParse(msg.ReplyTo, out var streamSequence, out var consumerSequence, out var stored))
        {
            var metadata = msg.Metadata ?? throw new EngineException($"Reading partition {_partition} of topic '{_topic}' from NATS failed: a message without JetStream metadata (reply subject '{msg.ReplyTo}').");
            streamSequence = metadata.Sequence.Stream;
            consumerSequence = metadata.Sequence.Consumer;
            stored = metadata.Timestamp;
        }

        if (!subscription.Delivered(consumerSequence))
        {
            return count;
        }

        var offset = (long)streamSequence - 1;
        var next = count == 0 ? Next : destination[count - 1].Offset + 1;
        if (offset < next)
        {
            return count;
        }

        if (offset > next)
        {
            // Events skipped: never taken as read. The read decides (trimmed by retention, or a replica missing them).
            subscription.Skip(offset);
            return count;
        }

        destination[count] = EventHeaders.Read(_topic, _partition, offset, msg.Headers, msg.Data, stored);
        return count + 1;
    }

    /// <summary>
    /// Whether the stream holds none of the events at offsets <paramref name="from"/> to <paramref name="to"/> − 1: they
    /// lie before its first sequence (trimmed) or were deleted. False when its leader did not answer (or a replica answered
    /// for a leaderless stream, <see cref="NatsStreamState"/>).
    /// </summary>
    private async ValueTask<bool> GoneAsync(long from, long to, CancellationToken cancellationToken)
    {
        try
        {
            if (NatsStreamState.OfLeader((await _js.GetStreamAsync(_stream, new StreamInfoRequest { DeletedDetails = true }, cancellationToken)).Info) is not { } state)
            {
                return false; // a replica answered for a leaderless stream: its first sequence says nothing of the stream's
            }

            var deleted = state.Deleted is { Count: > 0 } d ? d.ToHashSet() : [];

            // Offsets before the first sequence were trimmed: only those from it on are looked up (a consumer that
            // skips a million trimmed events does not check each).
            for (var offset = Math.Max(from, (long)state.FirstSeq - 1); offset < to; offset++)
            {
                if (!deleted.Contains(offset + 1))
                {
                    return false;
                }
            }

            return true;
        }
        catch (NatsException)
        {
            return false;
        }
    }

    /// <summary>Whether the stream holds an event at <paramref name="offset"/> or later (its last sequence is offset + 1 or more).</summary>
    private async ValueTask<bool> HasEventsFromAsync(long offset, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await _js.GetStreamAsync(_stream, cancellationToken: cancellationToken);
            return NatsStreamState.OfLeader(stream.Info) is { } state && (long)state.LastSeq > offset;
        }
        catch (NatsException)
        {
            // The stream's leader did not answer: nothing to compare; the read goes on waiting (the heartbeat check
            // replaces a consumer whose server is gone).
            return false;
        }
    }

    /// <summary>
    /// Creates the consumer at <see cref="Next"/>. A creation that does not answer in time is asked again
    /// (<see cref="ConsumerPlacement"/>: nats-server 2.9 may place it on a dead peer of the stream), until the request
    /// timeout is spent; an abandoned creation that did reach a live peer is deleted by the server after
    /// <see cref="InactiveThreshold"/>.
    /// </summary>
    private async ValueTask<Subscription> SubscribeAsync(CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig
        {
            AckPolicy = ConsumerConfigAckPolicy.None,
            DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
            OptStartSeq = (ulong)Next + 1,
            MemStorage = true,
            NumReplicas = 1,
            InactiveThreshold = InactiveThreshold,
        };
        var budget = _js.Connection.Opts.RequestTimeout;
        var started = TimeProvider.System.GetTimestamp();
        var wait = ConsumerPlacement.FirstAnswerWait;
        INatsJSConsumer consumer;
        while (true)
        {
            // The last attempt that fits the budget waits the client's own request timeout, so it fails as any request does.
            var last = TimeProvider.System.GetElapsedTime(started) + wait >= budget;
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (!last)
            {
                attempt.CancelAfter(wait);
            }

            try
            {
                consumer = await _js.CreateOrUpdateConsumerAsync(_stream, config, attempt.Token);
                break;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !last)
            {
                NatsLog.ConsumerCreationUnanswered(_logger, _topic, _partition, wait.TotalMilliseconds);
                wait = ConsumerPlacement.Next(wait);
            }
            catch (NatsJSApiException e) when (e.Error.ErrCode == NatsErrors.StreamNotFound)
            {
                throw new TopicNotFoundException(_topic);
            }
            catch (NatsException e)
            {
                throw NatsErrors.Failure($"Reading partition {_partition} of topic '{_topic}' from NATS failed: {NatsErrors.Describe(e)}", e);
            }
        }

        return new Subscription(_js, _stream, consumer, _readAhead);
    }

    public async ValueTask DisposeAsync()
    {
        var subscription = _subscription;
        _subscription = null;
        if (subscription is not null)
        {
            await subscription.DisposeAsync();
        }
    }

    /// <summary>One server-side consumer and the client's pull loop on it.</summary>
    private sealed class Subscription : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly NatsJSContext _js;
        private readonly string _stream;
        private readonly string _consumer;
        private Task<bool>? _pending;
        private ulong _consumerSequence;
        private volatile bool _broken;

        public Subscription(NatsJSContext js, string stream, INatsJSConsumer consumer, int readAhead)
        {
            _js = js;
            _stream = stream;
            _consumer = consumer.Info.Name;
            Messages = consumer.ConsumeAsync(NatsRawSerializer<byte[]>.Default, new NatsJSConsumeOpts
            {
                MaxMsgs = readAhead,
                IdleHeartbeat = IdleHeartbeat,
                Expires = PullExpiry,
                NotificationHandler = OnNotificationAsync,
            }, _stop.Token).GetAsyncEnumerator(_stop.Token);
        }

        public IAsyncEnumerator<INatsJSMsg<byte[]>> Messages { get; }

        public bool IsBroken => _broken;

        /// <summary>The offset of an event delivered after a gap (events skipped), or null.</summary>
        public long? SkippedTo { get; private set; }

        public void Break() => _broken = true;

        /// <summary>Notes a delivery past a gap and breaks the subscription: nothing from it after the gap is taken.</summary>
        public void Skip(long offset)
        {
            SkippedTo ??= offset;
            _broken = true;
        }

        /// <summary>Counts a delivery; false (and broken) when the consumer sequence skipped: messages were lost.</summary>
        public bool Delivered(ulong consumerSequence)
        {
            if (consumerSequence != _consumerSequence + 1)
            {
                _broken = true;
                return false;
            }

            _consumerSequence = consumerSequence;
            return true;
        }

        /// <summary>
        /// Waits for the next message, keeping the wait for the next read if the caller gives up; null when none came
        /// within <paramref name="limit"/> (the wait is kept too).
        /// </summary>
        public async ValueTask<bool?> WaitAsync(TimeSpan limit, CancellationToken cancellationToken)
        {
            if (_pending is null)
            {
                var move = Messages.MoveNextAsync();
                if (move.IsCompleted)
                {
                    return move.GetAwaiter().GetResult();
                }

                _pending = move.AsTask();
            }

            try
            {
                // Only a read that has to wait pays for the limit's timer.
                return await _pending.WaitAsync(limit, cancellationToken);
            }
            catch (TimeoutException)
            {
                return null;
            }
            finally
            {
                if (_pending.IsCompleted)
                {
                    _pending = null;
                }
            }
        }

        /// <summary>Moves to the next message if it has already arrived; otherwise starts the wait for it and returns false.</summary>
        public bool TryMoveNext()
        {
            var move = Messages.MoveNextAsync();
            if (!move.IsCompleted)
            {
                _pending = move.AsTask();
                return false;
            }

            return move.GetAwaiter().GetResult();
        }

        private Task OnNotificationAsync(INatsJSNotification notification, CancellationToken cancellationToken)
        {
            if (notification is NatsJSTimeoutNotification or NatsJSNoRespondersNotification && !_broken)
            {
                // No message and no heartbeat for twice the heartbeat interval, or nobody answers the pull requests (the
                // consumer is gone, e.g. after a server restart): stop, so a waiting read wakes and replaces us.
                _broken = true;
                _stop.Cancel();
            }

            return Task.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            _broken = true;
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
                await Messages.DisposeAsync();
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
                // Best effort, and briefly: an ephemeral consumer left behind is deleted by the server after
                // InactiveThreshold anyway, and one on a dead peer never answers (a stop waited 10 s per cursor).
                using var deleting = new CancellationTokenSource(ConsumerPlacement.MaxAnswerWait);
                await _js.DeleteConsumerAsync(_stream, _consumer, deleting.Token);
            }
            catch (Exception e) when (e is NatsException or OperationCanceledException)
            {
                // Not deleted: the server does it after InactiveThreshold.
            }

            _stop.Dispose();
        }
    }
}
