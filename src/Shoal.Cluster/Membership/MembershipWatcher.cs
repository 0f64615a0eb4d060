using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Engine;
using Shoal.Threading;

namespace Shoal.Cluster;

/// <summary>
/// Keeps a current <see cref="MembershipView"/> of a group by watching <c>shoal/members/{group}/</c>, and signals
/// each change of membership: a join, a graceful leave (record deleted), a death (no heartbeat for the session
/// TTL, noticed by a timer on the injected <see cref="TimeProvider"/>), or a change of a member's weight, health,
/// capacity, address or incarnation. Heartbeat time and load alone refresh <see cref="Current"/> without a signal.
/// </summary>
/// <remarks>
/// Runs only inside <see cref="RunAsync"/>, an async loop the caller starts and cancels; it starts no thread and
/// continues on the caller's context, so a single-threaded simulation can drive it. If the watch itself fails
/// (engine unreachable), <see cref="RunAsync"/> throws and the caller decides when to run it again.
/// </remarks>
internal sealed class MembershipWatcher
{
    /// <summary>How soon the first listing is tried again when it failed (no view is published before one succeeds).</summary>
    private static readonly TimeSpan FirstListingRetry = TimeSpan.FromMilliseconds(100);

    private readonly ICoordinationStore _store;
    private readonly string _group;
    private readonly string _prefix;
    private readonly TimeSpan _sessionTtl;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, MemberRecord> _records = new(StringComparer.Ordinal);

    // The newest revision seen per member key (deletes included), so a change older than what a confirming list
    // already showed is ignored.
    private readonly Dictionary<string, long> _revisions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private MembershipView _current = MembershipView.Empty;

    // What Current was computed from: the newest revision seen per member key, and the members whose records it holds.
    private Dictionary<string, long> _currentRevisions = new(StringComparer.Ordinal);
    private HashSet<string> _currentRecords = new(StringComparer.Ordinal);
    private DateTimeOffset _nextIdleConfirm = DateTimeOffset.MinValue;
    private bool _listed;
    private long _version;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MembershipWatcher(ICoordinationStore store, string group, TimeSpan sessionTtl, TimeProvider time, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        NameRules.Validate("group", group);
        OptionChecks.Positive("sessionTtl", sessionTtl);
        _store = store;
        _group = group;
        _prefix = CoordinationKeys.GroupMembersPrefix(group);
        _sessionTtl = sessionTtl;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The latest view (refreshed on every record change and every expiry).</summary>
    public MembershipView Current
    {
        get { lock (_gate) { return _current; } }
    }

    /// <summary>
    /// 0 until the first view is computed (from a listing of the group's records that succeeded), then grows by one on
    /// every membership change.
    /// </summary>
    public long Version
    {
        get { lock (_gate) { return _version; } }
    }

    /// <summary>
    /// True when <see cref="Current"/> was computed from every change of <paramref name="records"/> (a listing of the
    /// group's records): it saw each listed record at its revision or later, and holds no record the listing lacks.
    /// The cluster tests' lockstep waits for it, so fake time never runs ahead of a watch its changes wait in.
    /// </summary>
    internal bool Reflects(IReadOnlyList<KvEntry> records)
    {
        lock (_gate)
        {
            if (_version == 0 || records.Count < _currentRecords.Count)
            {
                return false;
            }

            var listed = 0;
            foreach (var entry in records)
            {
                var memberId = entry.Key[_prefix.Length..];
                if (!_currentRevisions.TryGetValue(memberId, out var seen) || seen < entry.Revision)
                {
                    return false;
                }

                listed += _currentRecords.Contains(memberId) ? 1 : 0;
            }

            return listed == _currentRecords.Count;
        }
    }

    /// <summary>Completes with the current view once <see cref="Version"/> is greater than <paramref name="knownVersion"/>.</summary>
    public async Task<MembershipView> WaitForChangeAsync(long knownVersion, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_version > knownVersion)
                {
                    return _current;
                }

                changed = _changed.Task;
            }

            await changed.WaitSignalAsync(cancellationToken);
        }
    }

    /// <summary>Every membership change from now on (the current view first), until cancelled. Views may be skipped when the reader is slower.</summary>
    public async IAsyncEnumerable<MembershipView> ChangesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var known = Version;
        yield return Current;
        while (true)
        {
            var view = await WaitForChangeAsync(known, cancellationToken);
            known = Version;
            yield return view;
        }
    }

    /// <summary>
    /// Watches the group's records until <paramref name="cancellationToken"/> is cancelled (then returns normally). A
    /// failed watch (the store unreachable) is re-established after a short pause rather than ending membership for
    /// good (found by the simulation, seed 129) — and so is a watch that ends without being cancelled (a store whose
    /// watch completes, as a NATS KV watch can when a server restarts): otherwise this member's view of the group would
    /// freeze, and a member that joined later would never be given partitions.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await WatchOnceAsync(cancellationToken);
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                throw new EngineException($"the watch of '{_prefix}' ended without being cancelled", isTransient: true);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                MembershipLog.WatchFailed(_logger, ex, _group);
                failures++;
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1_000, 50 * failures)), _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task WatchOnceAsync(CancellationToken cancellationToken)
    {
        var changes = _store.WatchAsync(_prefix, cancellationToken).GetAsyncEnumerator(CancellationToken.None);
        Task<bool>? move = null;
        try
        {
            while (true)
            {
                move ??= changes.MoveNextAsync().AsTask();

                // Apply every change already delivered (the initial snapshot arrives at once) before publishing a view.
                while (move.IsCompleted)
                {
                    if (!await move)
                    {
                        return;
                    }

                    var change = changes.Current;
                    Apply(change.Kind, change.Key, change.Value, change.Revision);
                    move = changes.MoveNextAsync().AsTask();
                }

                var expiry = await RefreshAsync(cancellationToken);
                if (expiry is null)
                {
                    await Task.WhenAny(move);
                    continue;
                }

                using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delay = Task.Delay(Max(expiry.Value - _time.GetUtcNow(), TimeSpan.Zero), _time, wake.Token);
                await Task.WhenAny(move, delay.OnCallerContext()); // Delay on a TimeProvider completes asynchronously
                wake.Cancel(); // not CancelAsync: it runs callbacks on the thread pool, outside the injected scheduler
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (move is not null)
            {
                // The watch observes the same token, so a pending move ends promptly once it is cancelled.
                await Task.WhenAny(move);
            }

            await changes.DisposeAsync();
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void Apply(KvChangeKind kind, string key, ReadOnlyMemory<byte> value, long revision)
    {
        var memberId = key[_prefix.Length..];
        if (_revisions.TryGetValue(memberId, out var known) && revision <= known)
        {
            return;
        }

        _revisions[memberId] = revision;
        if (kind == KvChangeKind.Delete)
        {
            _records.Remove(memberId);
            return;
        }

        if (MemberRecordCodec.TryDecode(value.Span, out var record) && record!.MemberId == memberId)
        {
            _records[memberId] = record;
        }
        else
        {
            MembershipLog.BadRecord(_logger, _group, key);
            _records.Remove(memberId);
        }
    }

    /// <summary>
    /// Recomputes the view at the current time and signals when membership changed; returns when to look again (the
    /// next expiry). Before declaring a live member dead it re-reads the records from the store, so a watch that lags
    /// behind (its changes not yet delivered to this loop) never makes a heartbeating member look dead. And it re-reads
    /// them once per session TTL in any case: a watch can stall silently (as a NATS KV watch can across a server
    /// restart), and a member joining later would then never be seen, never given partitions.
    /// </summary>
    private async Task<DateTimeOffset?> RefreshAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var view = MembershipView.Compute(_records.Values, now, _sessionTtl);
        var idle = now >= _nextIdleConfirm;
        if (idle)
        {
            _nextIdleConfirm = now + _sessionTtl;
        }

        if (idle || view.Dead.Any(d => Current.Find(d.MemberId) is not null))
        {
            try
            {
                foreach (var entry in await _store.ListAsync(_prefix, cancellationToken))
                {
                    Apply(KvChangeKind.Put, entry.Key, entry.Value, entry.Revision);
                }

                _listed = true;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (_listed)
                {
                    // Unconfirmed: go by what the watch delivered.
                    MembershipLog.ConfirmFailed(_logger, e, _group);
                }
                else
                {
                    MembershipLog.FirstListingFailed(_logger, _group, e.Message);
                }
            }

            if (!_listed)
            {
                // No first view before one listing has shown the whole group: a watch does not say when its initial
                // entries are complete, and a view from part of them (or none) would tell the member it is alone.
                _nextIdleConfirm = now;
                return now + FirstListingRetry;
            }

            view = MembershipView.Compute(_records.Values, _time.GetUtcNow(), _sessionTtl);
        }

        TaskCompletionSource? changed = null;
        var revisions = new Dictionary<string, long>(_revisions, StringComparer.Ordinal);
        var present = new HashSet<string>(_records.Keys, StringComparer.Ordinal);
        lock (_gate)
        {
            var same = _version > 0 && view.SameMembership(_current);
            _current = view;
            _currentRevisions = revisions;
            _currentRecords = present;
            if (!same)
            {
                _version++;
                changed = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        if (changed is not null)
        {
            MembershipLog.MembershipChanged(_logger, _group, view.Live.Count, string.Join(",", view.Live.Select(m => m.MemberId)), view.Dead.Count);
            changed.TrySetResult();
        }

        return view.NextExpiry is { } expiry && expiry < _nextIdleConfirm ? expiry : _nextIdleConfirm;
    }
}
