using System.Globalization;
using System.Runtime.CompilerServices;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;
using Shoal.Engine;

namespace Shoal.Engines.Nats;

/// <summary>
/// The coordination store on a JetStream KV bucket (history 1). Revisions are the bucket stream's sequences, so they
/// grow with every write across keys; compare-and-set is JetStream's expected-last-subject-sequence. Keys are encoded
/// by <see cref="CoordinationKeyCodec"/>, so list and watch by prefix are server-side subject filters.
/// Deleted keys leave a tombstone (KV <c>DEL</c>); tombstones never show in <see cref="ListAsync"/> or in a watch's
/// initial entries.
/// </summary>
/// <remarks>
/// On a JetStream cluster before nats-server 2.11 an update's compare-and-set is not atomic: the stream leader checks
/// the expected revision against what it has applied, before proposing the write, and not again when the write is
/// applied (fixed in nats-server 2.11.0, "ensure 'expected per subject' consistency"). Two updates that expect the same
/// revision and reach the leader before the first is applied both succeed — measured here on 2.9.10 in about half of
/// 300 simultaneous pairs (<c>NatsCompareAndSetTests</c>) — and two members would take one lease under one epoch. So on
/// such a cluster (<see cref="ConfirmsUpdates"/>) a successful update is confirmed by asking the stream's leader for the
/// key's first write after the expected revision: unless that is this write, another update that expected the same
/// revision was applied first, and this one counts as lost (null), as it would have on an atomic server. The losing
/// write's value may stay the key's newest; the winner's next compare-and-set then fails, so nobody holds a lease or
/// an epoch twice (the cost: one more request per update, and a lease lost in the rare tie). Creates need no
/// confirmation: the server checks "no value yet" when the write is applied.
/// </remarks>
internal sealed class NatsCoordinationStore : ICoordinationStore
{
    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> Writer = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;
    private static readonly NatsRawSerializer<byte[]> Reader = NatsRawSerializer<byte[]>.Default;

    /// <summary>How long a listing's attempt waits for each next entry once its consumer has answered.</summary>
    internal static readonly TimeSpan EntryWait = TimeSpan.FromSeconds(2);
    private readonly INatsKVStore _kv;
    private readonly TimeSpan _budget;
    private readonly INatsJSContext? _confirmOn;

    /// <param name="kv">The bucket.</param>
    /// <param name="requestTimeout">How long a listing may keep retrying before it fails (the connection's request timeout).</param>
    /// <param name="confirmOn">The JetStream context to confirm updates through (see remarks), or null when the server's compare-and-set is atomic.</param>
    public NatsCoordinationStore(INatsKVStore kv, TimeSpan requestTimeout, INatsJSContext? confirmOn = null)
    {
        _kv = kv;
        _budget = requestTimeout;
        _confirmOn = confirmOn;
    }

    /// <summary>
    /// The writes per key the bucket keeps where updates are confirmed (it keeps 1 otherwise): with one, a later write
    /// removes an earlier one, and two updates that expected the same revision could each find itself first. Seven more
    /// writes to one key within one update's confirmation (a round trip) would be needed to hide a tie.
    /// </summary>
    internal const int ConfirmHistory = 8;

    /// <summary>Whether successful updates are confirmed by a read (a cluster whose compare-and-set is not atomic, see remarks).</summary>
    public bool ConfirmsUpdates => _confirmOn is not null;

    /// <summary>
    /// Whether the servers' compare-and-set on a clustered stream is atomic: nats-server 2.11.0 or later, or a server in
    /// no cluster (it checks the expected revision when the write is applied). An unreadable version counts as not atomic.
    /// </summary>
    internal static bool AtomicCompareAndSet(string? serverVersion, int clusterSize) =>
        clusterSize <= 1 || (Version.TryParse(serverVersion?.Split('-', '+')[0], out var version) && version >= new Version(2, 11));

    public async ValueTask<KvEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        CoordinationKeyRules.ValidateKey(key);
        var result = await _kv.TryGetEntryAsync(CoordinationKeyCodec.Encode(key), serializer: Reader, cancellationToken: cancellationToken);
        if (result.Success)
        {
            var entry = result.Value;
            return entry.Operation == NatsKVOperation.Put ? new KvEntry(key, entry.Value ?? [], (long)entry.Revision) : null;
        }

        return result.Error is NatsKVKeyNotFoundException or NatsKVKeyDeletedException ? null : throw Failed("reading", key, result.Error);
    }

    public async ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        CoordinationKeyRules.ValidateKey(key);
        var result = await _kv.TryCreateAsync(CoordinationKeyCodec.Encode(key), value, Writer, cancellationToken);
        if (result.Success)
        {
            return (long)result.Value;
        }

        return IsConflict(result.Error) ? null : throw Failed("creating", key, result.Error);
    }

    public async ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
    {
        CoordinationKeyRules.ValidateKey(key);
        if (expectedRevision <= 0)
        {
            return null;
        }

        var encoded = CoordinationKeyCodec.Encode(key);
        var result = await _kv.TryUpdateAsync(encoded, value, (ulong)expectedRevision, Writer, cancellationToken);
        if (result.Success)
        {
            var revision = (long)result.Value;
            return _confirmOn is null || await FirstAfterAsync(_confirmOn, key, encoded, expectedRevision, cancellationToken) == revision ? revision : null;
        }

        return IsConflict(result.Error) ? null : throw Failed("updating", key, result.Error);
    }

    /// <summary>
    /// The revision of the key's first write after <paramref name="expectedRevision"/>, as the bucket stream's leader
    /// has applied it (a direct get could be answered by a replica that is behind), or null when it has none.
    /// </summary>
    private async ValueTask<long?> FirstAfterAsync(INatsJSContext js, string key, string encoded, long expectedRevision, CancellationToken cancellationToken)
    {
        try
        {
            var response = await js.JSRequestResponseAsync<StreamMsgGetRequest, StreamMsgGetResponse>(
                $"{js.Opts.Prefix}.STREAM.MSG.GET.{NatsNames.CoordinationStream}",
                new StreamMsgGetRequest { Seq = (ulong)expectedRevision + 1, NextBySubj = NatsNames.CoordinationSubject(encoded) },
                cancellationToken);
            return (long)response.Message.Seq;
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == NatsErrors.NoMessageFound)
        {
            return null;
        }
        catch (NatsException e)
        {
            // Stored, but whether another update that expected the same revision came first is unknown: a failure the
            // caller retries (its next compare-and-set, on the revision it knew, tells).
            throw NatsErrors.Failure($"NATS KV: updating '{key}' was stored but could not be confirmed as the only update of revision {expectedRevision}: {NatsErrors.Describe(e)}", e);
        }
    }

    public async ValueTask<bool> TryDeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken = default)
    {
        CoordinationKeyRules.ValidateKey(key);
        if (expectedRevision <= 0)
        {
            return false;
        }

        var result = await _kv.TryDeleteAsync(CoordinationKeyCodec.Encode(key), new NatsKVDeleteOpts { Revision = (ulong)expectedRevision }, cancellationToken);
        if (result.Success)
        {
            return true;
        }

        return IsConflict(result.Error) ? false : throw Failed("deleting", key, result.Error);
    }

    /// <remarks>
    /// <para>
    /// Listed through a KV watch of the latest value per key, read until nothing is pending. A key rewritten while the
    /// listing runs is delivered again (its old value, then the new one), so entries are kept per key and a later
    /// delivery replaces an earlier one (a delete removes it): each key appears once, at the newest revision seen.
    /// </para>
    /// <para>
    /// A watch is an ephemeral R1 consumer, and nats-server 2.9 may place it on a peer of the bucket's stream that has
    /// died (SIGKILL) but is not yet known to be offline: its creation then never answers. So an attempt that has not
    /// answered within 250 ms (doubling up to 1 s, <see cref="ConsumerPlacement"/>) is abandoned and the listing retried — the server picks a peer again —
    /// until the request timeout is spent. Without this, one listing in three failed after the full 10 s timeout for as
    /// long as a server of the bucket was down, stalling every member's rebalance step (and lease renewals) with it.
    /// </para>
    /// <para>
    /// A consumer that answered can stall too (its peer restarting): an attempt that receives no next entry for 2 s
    /// (<see cref="EntryWait"/>) is abandoned and retried in the same way.
    /// </para>
    /// <para>
    /// The end of the initial values is the entry whose pending count is 0, and nats-server 2.9 may count one message too
    /// many for a consumer created while a server of the bucket restarts (measured: pending stayed 1 on every entry of
    /// such a watch). While keys under the prefix are rewritten — heartbeats, lease renewals — that watch delivers
    /// forever and never says it is done, so a listing once waited on it for more than 90 s. A key delivered a second
    /// time is a write made after the watch began, which comes only after every initial value, so from the first such
    /// rewrite the attempt waits at most <see cref="EntryWait"/> for the end, then is abandoned and retried on a new
    /// consumer. A listing whose initial values keep arriving is not cut off; one that cannot finish fails once the
    /// request timeout is spent, with a transient <see cref="EngineException"/> saying what its last attempt saw.
    /// </para>
    /// </remarks>
    public async ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        CoordinationKeyRules.ValidatePrefix(prefix);
        var (filter, exact) = CoordinationKeyCodec.Filter(prefix);
        var started = TimeProvider.System.GetTimestamp();
        var wait = ConsumerPlacement.FirstAnswerWait;
        var attempts = 0;
        string? lastSeen = null;
        Exception? lastError = null;
        while (true)
        {
            var remaining = _budget - TimeProvider.System.GetElapsedTime(started);
            if (attempts > 0 && remaining <= TimeSpan.Zero)
            {
                var over = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
                throw new EngineException(
                    string.Create(CultureInfo.InvariantCulture, $"NATS KV: listing '{prefix}' failed: no complete answer after {attempts} attempts over {over:0.#} s; the last: {lastSeen}"),
                    lastError ?? new TimeoutException(lastSeen),
                    isTransient: true);
            }

            attempts++;
            var answerWait = remaining <= wait ? TimeSpan.FromTicks(Math.Max(remaining.Ticks, ConsumerPlacement.FirstAnswerWait.Ticks)) : wait;
            using var attempt = new ListingAttempt(answerWait, cancellationToken);
            try
            {
                return await ListOnceAsync(prefix, filter, exact, attempt, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested
                && (e is OperationCanceledException || (e is NatsException && attempt.TimedOut) || e is NatsJSApiNoResponseException))
            {
                // No answer in time, or no next entry in time: ask again (another consumer, possibly on another peer).
                lastSeen = attempt.Describe(e);
                lastError = e is OperationCanceledException ? null : e;
            }
            catch (NatsException e)
            {
                throw Failed("listing", prefix, e);
            }

            wait = ConsumerPlacement.Next(wait);
        }
    }

    private async ValueTask<IReadOnlyList<KvEntry>> ListOnceAsync(string prefix, string filter, bool exact, ListingAttempt attempt, CancellationToken cancellationToken)
    {
        var entries = new Dictionary<string, KvEntry>(StringComparer.Ordinal);
        var delivered = new HashSet<string>(StringComparer.Ordinal);
        var opts = new NatsKVWatchOpts
        {
            OnNoData = _ =>
            {
                attempt.Answered();
                return ValueTask.FromResult(true);
            },
        };
        await foreach (var entry in _kv.WatchAsync(filter, Reader, opts, attempt.Token))
        {
            // The consumer delivers: from here each next entry must come within EntryWait, and once a key comes again
            // (a write made during the watch), the end of the initial values must come within EntryWait of it.
            attempt.Delivered(entry.Delta, rewrite: !delivered.Add(entry.Key));
            var key = CoordinationKeyCodec.Decode(entry.Key);
            if (exact || key.StartsWith(prefix, StringComparison.Ordinal))
            {
                if (entry.Operation == NatsKVOperation.Put)
                {
                    if (!entries.TryGetValue(key, out var seen) || seen.Revision < (long)entry.Revision)
                    {
                        entries[key] = new KvEntry(key, entry.Value ?? [], (long)entry.Revision);
                    }
                }
                else if (entries.TryGetValue(key, out var seen) && seen.Revision < (long)entry.Revision)
                {
                    entries.Remove(key);
                }
            }

            if (entry.Delta == 0)
            {
                break;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        var list = entries.Values.ToList();
        list.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }

    public async IAsyncEnumerable<KvChange> WatchAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CoordinationKeyRules.ValidatePrefix(prefix);
        cancellationToken.ThrowIfCancellationRequested();
        var (filter, exact) = CoordinationKeyCodec.Filter(prefix);
        var initial = true;
        var opts = new NatsKVWatchOpts
        {
            OnNoData = _ =>
            {
                initial = false;
                return ValueTask.FromResult(false);
            },
        };

        await foreach (var entry in _kv.WatchAsync(filter, Reader, opts, cancellationToken))
        {
            var put = entry.Operation == NatsKVOperation.Put;
            var skip = initial && !put;
            if (entry.Delta == 0)
            {
                initial = false;
            }

            if (skip)
            {
                continue;
            }

            var key = CoordinationKeyCodec.Decode(entry.Key);
            if (!exact && !key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            yield return put
                ? new KvChange(KvChangeKind.Put, key, entry.Value ?? [], (long)entry.Revision)
                : new KvChange(KvChangeKind.Delete, key, ReadOnlyMemory<byte>.Empty, (long)entry.Revision);
        }
    }

    private static bool IsConflict(Exception? error) =>
        error is NatsKVWrongLastRevisionException or NatsKVCreateException or NatsKVKeyNotFoundException or NatsKVKeyDeletedException;

    private static EngineException Failed(string doing, string key, Exception? error) =>
        NatsErrors.Failure($"NATS KV: {doing} '{key}' failed: {(error is null ? "unknown error" : NatsErrors.Describe(error))}", error);
}

/// <summary>
/// One attempt of <see cref="NatsCoordinationStore.ListAsync"/>: cancelled when its consumer has not answered within the
/// first wait, or when no next entry came within <see cref="NatsCoordinationStore.EntryWait"/>; it remembers how far it got.
/// </summary>
internal sealed class ListingAttempt : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private readonly TimeSpan _answerWait;
    private int _delivered;
    private int _rewrites;
    private ulong _pending;
    private bool _answered;

    public ListingAttempt(TimeSpan answerWait, CancellationToken cancellationToken)
    {
        _answerWait = answerWait;
        _timeout = new CancellationTokenSource(answerWait, TimeProvider.System);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timeout.Token);
    }

    public CancellationToken Token => _linked.Token;

    /// <summary>True when this attempt was abandoned for waiting too long (not for the caller's token).</summary>
    public bool TimedOut => _timeout.IsCancellationRequested;

    /// <summary>The consumer said it has nothing to deliver.</summary>
    public void Answered() => _answered = true;

    /// <summary>
    /// An entry arrived, with <paramref name="pending"/> more to come: the wait for the next one starts again — unless
    /// the watch already delivered a key again (<paramref name="rewrite"/>): its initial values are all in, and the
    /// wait for the end, started at the first rewrite, is not extended by further updates.
    /// </summary>
    public void Delivered(ulong pending, bool rewrite)
    {
        _answered = true;
        _delivered++;
        _pending = pending;
        if (_rewrites > 0 || rewrite)
        {
            if (_rewrites++ == 0)
            {
                _timeout.CancelAfter(NatsCoordinationStore.EntryWait);
            }

            return;
        }

        _timeout.CancelAfter(NatsCoordinationStore.EntryWait);
    }

    /// <summary>What the attempt saw, for the error a listing that never finishes ends with.</summary>
    public string Describe(Exception e)
    {
        if (e is NatsException && !TimedOut)
        {
            return NatsErrors.Describe(e);
        }

        if (_rewrites > 0)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the watch delivered {_delivered} entries, {_rewrites} of them keys it had already delivered, but never the end of its initial values ({_pending} still said pending) within {NatsCoordinationStore.EntryWait.TotalSeconds:0.#} s of the first");
        }

        return _answered
            ? string.Create(CultureInfo.InvariantCulture,
                $"the watch delivered {_delivered} entries ({_pending} more pending), then nothing for {NatsCoordinationStore.EntryWait.TotalSeconds:0.#} s")
            : string.Create(CultureInfo.InvariantCulture,
                $"the watch's consumer did not answer within {_answerWait.TotalMilliseconds:0} ms{(e is NatsException ? $" ({NatsErrors.Describe(e)})" : string.Empty)}");
    }

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}
