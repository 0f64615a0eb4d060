using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using NATS.Client.Core;

namespace Shoal.Engines.Nats;

/// <summary>
/// The async publish window: one core subscription receives every JetStream publish acknowledgement of this engine on
/// <c>{inbox}.{batch}.{index}</c>, so a batch is written to the connection in order without waiting, and its
/// acknowledgements are awaited together (as <c>PublishAsync</c> in nats.go). A publish request is the same as the one
/// the JetStream client sends: the message with a reply subject.
/// </summary>
/// <remarks>
/// Kept instead of NATS.Net's <c>NatsJSContext.PublishConcurrentAsync</c> (or a window of <c>PublishAsync</c> calls):
/// those build a request subscription, a header dictionary and a <c>PubAckResponse</c> object per message, 3.4 KB
/// allocated per event against 0.7 KB here, and in the same runs over 12 partitions ran 0.68–1.05× the
/// <c>PublishAsync</c> window while this mechanism ran 1.04–1.81× (<c>shoal bench nats --partitioned-only</c>,
/// docs/benchmarks.md).
/// </remarks>
internal sealed class PublishAcks : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, PendingBatch> _batches = new();
    private readonly INatsSub<byte[]> _subscription;
    private readonly Task _pump;
    private long _nextBatch;

    private PublishAcks(string inbox, INatsSub<byte[]> subscription)
    {
        Inbox = inbox;
        _subscription = subscription;
        _pump = PumpAsync();
    }

    public string Inbox { get; }

    public static async ValueTask<PublishAcks> StartAsync(NatsConnection connection, CancellationToken cancellationToken)
    {
        // Not under the connection's own inbox (NewInbox): the client routes replies there to its request muxer only.
        // Still under _INBOX., which accounts with publish/subscribe permissions usually allow.
        var inbox = "_INBOX." + Guid.NewGuid().ToString("N");
        var subscription = await connection.SubscribeCoreAsync(inbox + ".>", serializer: NatsRawSerializer<byte[]>.Default, cancellationToken: cancellationToken);
        return new PublishAcks(inbox, subscription);
    }

    public PendingBatch Begin(int count)
    {
        var batch = new PendingBatch(Interlocked.Increment(ref _nextBatch), count);
        _batches[batch.Id] = batch;
        return batch;
    }

    public void End(PendingBatch batch) => _batches.TryRemove(batch.Id, out _);

    public string ReplyTo(PendingBatch batch, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{Inbox}.{batch.Id}.{index}");

    public async ValueTask DisposeAsync()
    {
        await _subscription.UnsubscribeAsync();
        await _pump;
    }

    private async Task PumpAsync()
    {
        var reader = _subscription.Msgs;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var msg))
                {
                    Handle(msg);
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The connection went away with the engine.
        }
    }

    private void Handle(in NatsMsg<byte[]> msg)
    {
        var subject = msg.Subject.AsSpan(Inbox.Length + 1);
        var dot = subject.IndexOf('.');
        if (dot < 0
            || !long.TryParse(subject[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var batchId)
            || !int.TryParse(subject[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !_batches.TryGetValue(batchId, out var batch))
        {
            return;
        }

        if (msg.HasNoResponders)
        {
            batch.Complete(index, new PubAck(0, false, "no responders: no JetStream stream answered the publish", 503));
            return;
        }

        batch.Complete(index, Parse(msg.Data));
    }

    /// <summary>Reads <c>{"stream":…,"seq":N,"duplicate":true}</c> or <c>{"error":{"code":…,"err_code":…,"description":…}}</c>.</summary>
    internal static PubAck Parse(byte[]? json)
    {
        if (json is null || json.Length == 0)
        {
            return new PubAck(0, false, "empty acknowledgement");
        }

        try
        {
            var reader = new Utf8JsonReader(json);
            ulong seq = 0;
            var duplicate = false;
            string? error = null;
            (long Code, long ErrCode) codes = default;
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("seq"u8))
                {
                    reader.Read();
                    seq = reader.GetUInt64();
                }
                else if (reader.ValueTextEquals("duplicate"u8))
                {
                    reader.Read();
                    duplicate = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    error = ReadError(ref reader, out codes);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return error is not null ? new PubAck(0, false, error, codes.Code, codes.ErrCode) : new PubAck(seq, duplicate, null);
        }
        catch (JsonException e)
        {
            return new PubAck(0, false, "malformed acknowledgement: " + e.Message);
        }
    }

    private static string ReadError(ref Utf8JsonReader reader, out (long Code, long ErrCode) codes)
    {
        string? description = null;
        long code = 0, errCode = 0;
        codes = default;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return "error";
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "description":
                    description = reader.GetString();
                    break;
                case "code":
                    code = reader.GetInt64();
                    break;
                case "err_code":
                    errCode = reader.GetInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        codes = (code, errCode);
        return string.Create(CultureInfo.InvariantCulture, $"{description ?? "error"} (code {code}, err_code {errCode})");
    }
}

/// <summary>One publish acknowledgement: the stream sequence (and whether it was a duplicate), or an error with its JetStream codes.</summary>
internal readonly record struct PubAck(ulong Sequence, bool Duplicate, string? Error, long ErrorCode = 0, long ErrorErrCode = 0);

/// <summary>The acknowledgements of one append call, filled in by the ack pump, awaited by the caller.</summary>
internal sealed class PendingBatch(long id, int count)
{
    private readonly Lock _gate = new();
    private readonly PubAck[] _acks = ArrayPool<PubAck>.Shared.Rent(count);
    private readonly bool[] _done = RentCleared(count);
    private int _acked;
    private int _target;
    private TaskCompletionSource? _waiter;
    private bool _returned;

    public long Id { get; } = id;

    public int Acked => Volatile.Read(ref _acked);

    public ReadOnlySpan<PubAck> Acks => _acks.AsSpan(0, count);

    private static bool[] RentCleared(int count)
    {
        var done = ArrayPool<bool>.Shared.Rent(count);
        Array.Clear(done, 0, count);
        return done;
    }

    public void Complete(int index, PubAck ack)
    {
        TaskCompletionSource? wake = null;
        lock (_gate)
        {
            if (_returned || (uint)index >= (uint)count || _done[index])
            {
                return;
            }

            _done[index] = true;
            _acks[index] = ack;
            _acked++;
            if (_waiter is not null && _acked >= _target)
            {
                wake = _waiter;
                _waiter = null;
            }
        }

        wake?.TrySetResult();
    }

    /// <summary>Completes when at least <paramref name="target"/> acknowledgements have arrived.</summary>
    public Task WhenAckedAsync(int target)
    {
        lock (_gate)
        {
            if (_acked >= target)
            {
                return Task.CompletedTask;
            }

            _target = target;
            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task;
        }
    }

    public bool IsDone(int index)
    {
        lock (_gate)
        {
            return _done[index];
        }
    }

    public void Return()
    {
        lock (_gate)
        {
            _returned = true;
        }

        ArrayPool<PubAck>.Shared.Return(_acks);
        ArrayPool<bool>.Shared.Return(_done);
    }
}
