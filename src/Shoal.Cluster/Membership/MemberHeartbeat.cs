using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Engine;

namespace Shoal.Cluster;

/// <summary>
/// Keeps one member's record in the coordination store: written at once on start, rewritten every
/// <see cref="ClusterOptions.HeartbeatInterval"/> on its own timer loop (never behind handler work), deleted at
/// once on a graceful stop. Each beat samples load and health and publishes the health-adjusted weight.
/// </summary>
/// <remarks>
/// Static membership: a member that starts with the id of an existing record (a restart within the TTL, or a
/// dead record) takes the record over by compare-and-set under a new incarnation. Once another incarnation has
/// taken the record, the older instance is <see cref="HeartbeatState.Fenced"/> and stops writing (as Kafka fences
/// an old instance with the same <c>group.instance.id</c>). Failed writes are logged and retried next beat.
/// </remarks>
internal sealed class MemberHeartbeat : IAsyncDisposable
{
    private readonly ICoordinationStore _store;
    private readonly MemberIdentity _identity;
    private readonly ClusterOptions _cluster;
    private readonly HealthOptions _healthOptions;
    private readonly HealthMonitor _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<MemberSample>? _sample;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private PeriodicTimer? _timer;
    private Task _loop = Task.CompletedTask;
    private long? _revision;
    private bool _everRegistered;
    private bool _lastBeatFailed;
    private bool _lastBeatSlow;
    private DateTimeOffset _lastSuccess;
    private HeartbeatState _state = HeartbeatState.NotStarted;
    private MemberRecord? _lastRecord;
    private long _beats;

    public MemberHeartbeat(
        ICoordinationStore store,
        MemberIdentity identity,
        ClusterOptions cluster,
        TimeProvider time,
        Random random,
        HealthOptions? health = null,
        Func<MemberSample>? sample = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(random);
        identity.Validate();
        cluster.Validate();
        _store = store;
        _identity = identity;
        _cluster = cluster;
        _healthOptions = health ?? HealthOptions.Default;
        _health = new HealthMonitor(_healthOptions);
        _time = time;
        _sample = sample;
        _logger = logger ?? NullLogger.Instance;
        Key = CoordinationKeys.Member(identity.Group, identity.MemberId);
        Incarnation = random.NextInt64().ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A heartbeat write slower than this counts as engine trouble for health, as a failed one does: the longer of one
    /// heartbeat interval and a quarter of the session TTL (a member whose writes take that long is about to lose its
    /// leases, and should not be given more).
    /// </summary>
    internal TimeSpan SlowWrite => _cluster.HeartbeatInterval > _cluster.SessionTtl / 4 ? _cluster.HeartbeatInterval : _cluster.SessionTtl / 4;

    /// <summary>Raised (on the heartbeat loop) whenever <see cref="State"/> changes.</summary>
    public event Action<HeartbeatState>? StateChanged;

    /// <summary>The record's key: <c>shoal/members/{group}/{memberId}</c>.</summary>
    public string Key { get; }

    /// <summary>This process's incarnation (16 hex digits, random per start).</summary>
    public string Incarnation { get; }

    public HeartbeatState State
    {
        get { lock (_gate) { return _state; } }
    }

    /// <summary>True while the record is in the store and, as far as this member knows, live.</summary>
    public bool IsRegistered => State == HeartbeatState.Registered;

    /// <summary>The current health (after hysteresis).</summary>
    public MemberHealth Health => _health.Current;

    /// <summary>The record last written successfully, or null.</summary>
    public MemberRecord? LastRecord
    {
        get { lock (_gate) { return _lastRecord; } }
    }

    /// <summary>The store revision of the record last written, or null when unknown.</summary>
    public long? Revision
    {
        get { lock (_gate) { return _revision; } }
    }

    /// <summary>Successful writes so far (the first one included).</summary>
    public long Beats => Interlocked.Read(ref _beats);

    /// <summary>Writes the record now (create, or take over an existing one), then starts the heartbeat loop.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_state != HeartbeatState.NotStarted)
            {
                throw new InvalidOperationException("The heartbeat was already started.");
            }
        }

        await BeatAsync(observeHealth: false, cancellationToken);
        _timer = new PeriodicTimer(_cluster.HeartbeatInterval, _time);
        _loop = LoopAsync(_timer, _stopping.Token);
    }

    /// <summary>Graceful leave: stops the loop and deletes the record at once (only if it is still ours).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!await StopLoopAsync())
        {
            return;
        }

        var revision = Revision;
        var fenced = State == HeartbeatState.Fenced;
        SetState(HeartbeatState.Stopped);
        if (revision is not long expected || fenced)
        {
            return;
        }

        try
        {
            if (await _store.TryDeleteAsync(Key, expected, cancellationToken))
            {
                MembershipLog.Left(_logger, _identity.Group, _identity.MemberId);
            }
            else
            {
                MembershipLog.LeaveFailed(_logger, null, _identity.Group, _identity.MemberId);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            MembershipLog.LeaveFailed(_logger, e, _identity.Group, _identity.MemberId);
        }

        lock (_gate)
        {
            _revision = null;
        }
    }

    /// <summary>Stops heartbeating without deleting the record, as a crash would: it expires after the session TTL.</summary>
    public async Task AbandonAsync()
    {
        if (await StopLoopAsync())
        {
            SetState(HeartbeatState.Stopped);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopping.Dispose();
    }

    /// <summary>Stops the loop; false when it was already stopped.</summary>
    private async Task<bool> StopLoopAsync()
    {
        lock (_gate)
        {
            if (_state == HeartbeatState.Stopped || _stopping.IsCancellationRequested)
            {
                return false;
            }
        }

        _stopping.Cancel();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _timer?.Dispose();
        return true;
    }

    private async Task LoopAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (State == HeartbeatState.Fenced)
                {
                    return;
                }

                await BeatAsync(observeHealth: true, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task BeatAsync(bool observeHealth, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var sample = _sample?.Invoke() ?? default;
        if (observeHealth)
        {
            var before = _health.Current;
            var healthSample = sample.Health with { EngineError = sample.Health.EngineError || _lastBeatFailed || _lastBeatSlow };
            var after = _health.Observe(healthSample, now);
            if (after != before)
            {
                MembershipLog.HealthChanged(_logger, _identity.Group, _identity.MemberId, before, after, _health.LastReason);
            }
        }

        var record = new MemberRecord
        {
            MemberId = _identity.MemberId,
            Incarnation = Incarnation,
            Weight = _healthOptions.EffectiveWeight(_identity.Weight, _health.Current),
            Capacity = _identity.Capacity,
            Health = _health.Current,
            Load = sample.Load,
            HeartbeatAt = now,
            SessionTtl = _cluster.SessionTtl,
            Address = _identity.Address,
            Assignor = _identity.Assignor,
        };

        var writing = _time.GetTimestamp();
        try
        {
            var written = await WriteAsync(record, cancellationToken);
            _lastBeatFailed = false;
            _lastBeatSlow = _time.GetElapsedTime(writing) > SlowWrite;
            if (written)
            {
                lock (_gate)
                {
                    _lastRecord = record;
                }

                _lastSuccess = now;
                Interlocked.Increment(ref _beats);
                SetState(HeartbeatState.Registered);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _lastBeatFailed = true;
            MembershipLog.HeartbeatFailed(_logger, e, _identity.Group, _identity.MemberId);
            NoteMissedBeat(now);
        }
    }

    /// <summary>Writes the record; false when it could not (conflict, fenced), true when it is stored.</summary>
    private async Task<bool> WriteAsync(MemberRecord record, CancellationToken cancellationToken)
    {
        var bytes = MemberRecordCodec.Encode(record);
        if (Revision is long expected)
        {
            var next = await _store.TryUpdateAsync(Key, bytes, expected, cancellationToken);
            if (next is not null)
            {
                SetRevision(next);
                return true;
            }

            // Someone else wrote or deleted our key: re-read it below and decide.
            SetRevision(null);
            MembershipLog.HeartbeatConflict(_logger, _identity.Group, _identity.MemberId);
        }

        var created = await _store.TryCreateAsync(Key, bytes, cancellationToken);
        if (created is not null)
        {
            SetRevision(created);
            if (!_everRegistered)
            {
                MembershipLog.Registered(_logger, _identity.Group, _identity.MemberId, Incarnation);
            }

            _everRegistered = true;
            return true;
        }

        var existing = await _store.GetAsync(Key, cancellationToken);
        if (existing is not KvEntry entry)
        {
            // Deleted between our create and get: try again next beat.
            NoteMissedBeat(record.HeartbeatAt);
            return false;
        }

        string? previous = MemberRecordCodec.TryDecode(entry.Value.Span, out var stored) ? stored!.Incarnation : null;
        if (_everRegistered && previous is not null && previous != Incarnation)
        {
            // A newer instance with our id owns the record: we are the zombie. Stop writing for good.
            MembershipLog.Fenced(_logger, _identity.Group, _identity.MemberId, Incarnation, previous);
            SetState(HeartbeatState.Fenced);
            return false;
        }

        var taken = await _store.TryUpdateAsync(Key, bytes, entry.Revision, cancellationToken);
        if (taken is null)
        {
            NoteMissedBeat(record.HeartbeatAt);
            return false;
        }

        SetRevision(taken);
        if (!_everRegistered)
        {
            MembershipLog.TookOver(_logger, _identity.Group, _identity.MemberId, previous ?? "(unreadable)");
        }

        _everRegistered = true;
        return true;
    }

    private void NoteMissedBeat(DateTimeOffset now)
    {
        if (State == HeartbeatState.Registered && now - _lastSuccess >= _cluster.SessionTtl)
        {
            MembershipLog.RegistrationLost(_logger, _identity.Group, _identity.MemberId, now - _lastSuccess);
            SetState(HeartbeatState.Unregistered);
        }
        else if (State == HeartbeatState.NotStarted)
        {
            SetState(HeartbeatState.Unregistered);
        }
    }

    private void SetRevision(long? revision)
    {
        lock (_gate)
        {
            _revision = revision;
        }
    }

    private void SetState(HeartbeatState state)
    {
        lock (_gate)
        {
            if (_state == state || _state == HeartbeatState.Stopped || (_state == HeartbeatState.Fenced && state != HeartbeatState.Stopped))
            {
                return;
            }

            _state = state;
        }

        StateChanged?.Invoke(state);
    }
}
