using Microsoft.Extensions.Logging;
using Shoal.Cluster.Leases;
using Shoal.Threading;

namespace Shoal.Cluster;

/// <summary>
/// Makes a node one member of a group's cluster. It heartbeats, watches the other members, computes the target
/// assignment with the group's assignor, and acts on it only through fenced leases: it takes the partitions
/// assigned to it once their leases are free (released, or expired after the owner died), hands over the ones
/// assigned elsewhere (stop fetching, drain, commit, release), and renews the rest. Partitions that do not move
/// are never touched, so they never pause (cooperative rebalancing).
/// </summary>
/// <remarks>
/// The group must use <see cref="PartitionOwnership.Assigned"/>. All decisions run on one async loop that wakes
/// every heartbeat interval, on a membership change, or when a hand-over finishes; lease renewals run on that
/// loop too, never behind handler work. A partition whose lease is lost, or whose commit is rejected because a
/// newer epoch fenced it, stops at once without committing.
/// </remarks>
public sealed class ClusterMember : IAsyncDisposable
{
    private readonly ShoalRuntime _runtime;
    private readonly ConsumerGroup _group;
    private readonly ClusterMemberOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IAssignor _assignor;
    private readonly Dictionary<AssignorKind, IAssignor> _otherAssignors = [];
    private readonly PartitionLeases _leases;
    private readonly MemberHeartbeat _heartbeat;
    private readonly MembershipWatcher _watcher;
    private readonly Dictionary<int, Held> _held = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly LeaseHolder _leaseHolder;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private Task _watching = Task.CompletedTask;
    private Assignment _target = Assignment.Empty;
    private IReadOnlyList<string> _live = [];
    private (long Handled, long Failed) _lastCounts;
    private long _lastSampleTimestamp = -1;
    private long _leasesLost;
    private bool _started;
    private bool _stopped;

    private ClusterMember(ShoalRuntime runtime, string group, ClusterMemberOptions options)
    {
        _runtime = runtime;
        _group = runtime.GetGroup(group);
        if (_group.Options.PartitionOwnership != PartitionOwnership.Assigned)
        {
            throw new ShoalConfigurationException("GroupOptions.PartitionOwnership",
                $"group '{group}' must use PartitionOwnership.Assigned to be shared by a cluster; it uses {_group.Options.PartitionOwnership}.");
        }

        _options = options;
        _time = runtime.Options.TimeProvider;
        _logger = runtime.Options.LoggerFactory.CreateLogger("Shoal.Cluster." + group);
        _assignor = Assignors.Create(options.Assignor);
        var ttl = options.Cluster.SessionTtl;
        _leases = new PartitionLeases(runtime.Engine.Coordination, _group.Options.Topic, group, _time, ttl);
        var random = runtime.Options.RandomSeed is { } seed ? new Random(seed ^ StableHash(options.MemberId)) : new Random();
        _heartbeat = new MemberHeartbeat(
            runtime.Engine.Coordination,
            new MemberIdentity(group, options.MemberId, options.Weight, options.Capacity, options.Address, options.Assignor),
            options.Cluster,
            _time,
            random,
            options.Health,
            Sample,
            _logger);
        _watcher = new MembershipWatcher(runtime.Engine.Coordination, group, ttl, _time, _logger);
        _leaseHolder = new LeaseHolder(this);
    }

    /// <summary>This member's id.</summary>
    public string MemberId => _options.MemberId;

    /// <summary>The group it belongs to.</summary>
    public string Group => _group.Options.Name;

    /// <summary>The partitions this member holds leases for, with their epochs.</summary>
    public IReadOnlyDictionary<int, long> OwnedPartitions
    {
        get
        {
            lock (_gate)
            {
                return _held.ToDictionary(h => h.Key, h => h.Value.Lease.Epoch);
            }
        }
    }

    /// <summary>The last target assignment this member computed.</summary>
    public Assignment TargetAssignment
    {
        get
        {
            lock (_gate)
            {
                return _target;
            }
        }
    }

    /// <summary>The members this member saw live at its last step, by id.</summary>
    public IReadOnlyList<string> LiveMembers
    {
        get
        {
            lock (_gate)
            {
                return _live;
            }
        }
    }

    /// <summary>Leases this member lost (taken over after it failed to renew them in time, or fenced at commit).</summary>
    public long LeasesLost => Interlocked.Read(ref _leasesLost);

    /// <summary>Validates the options and creates the member for <paramref name="group"/> of <paramref name="runtime"/> (which must be started).</summary>
    public static ClusterMember Create(ShoalRuntime runtime, string group, ClusterMemberOptions options)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new ClusterMember(runtime, group, options);
    }

    /// <summary>Registers the member and starts taking its share of partitions.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_started)
        {
            throw new InvalidOperationException($"Member '{MemberId}' was already started.");
        }

        _started = true;
        await _heartbeat.StartAsync(cancellationToken);
        var scheduler = _runtime.Options.Scheduler ?? TaskScheduler.Default;
        _watching = Task.Factory.StartNew(() => _watcher.RunAsync(_stop.Token), CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler).Unwrap();
        _loop = Task.Factory.StartNew(LoopAsync, CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler).Unwrap();
    }

    /// <summary>
    /// Leaves gracefully: hands every partition over (stop fetching, drain, commit, release the lease) and deletes
    /// the member record, so the others rebalance at once instead of waiting for the session TTL.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!await StopLoopAsync())
        {
            return;
        }

        Held[] held;
        lock (_gate)
        {
            held = [.. _held.Values];
        }

        await Task.WhenAll(held.Select(async h =>
        {
            if (h.Releasing is { } releasing)
            {
                await releasing;
            }
            else
            {
                await _group.StopPartitionAsync(h.Partition, cancellationToken);
            }

            try
            {
                if (!h.Fenced && await _leases.ReleaseAsync(h.Lease, cancellationToken))
                {
                    ClusterLog.Released(_logger, Group, MemberId, h.Partition, h.Lease.Epoch);
                    Diagnostics.ClusterTelemetry.LeaseChanged(Group, _group.Options.Topic, "released");
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The partition is drained and committed; a store error only delays the next owner until the lease
                // expires. Stopping must not fail for it (found by the simulation, seed 4).
                ClusterLog.ReleaseFailed(_logger, ex, Group, MemberId, h.Partition, h.Lease.Epoch);
            }
        }));
        lock (_gate)
        {
            _held.Clear();
        }

        await _heartbeat.StopAsync(cancellationToken);
    }

    /// <summary>
    /// Stops at once, as a crash would: no hand-over, no commit, no lease release; the record and the leases expire
    /// after the session TTL and the survivors redeliver from the last commits.
    /// </summary>
    public async Task AbandonAsync()
    {
        if (!await StopLoopAsync())
        {
            return;
        }

        await _heartbeat.AbandonAsync();
        int[] partitions;
        lock (_gate)
        {
            partitions = [.. _held.Keys];
            _held.Clear();
        }

        await Task.WhenAll(partitions.Select(_group.AbandonPartitionAsync));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _heartbeat.DisposeAsync();
        _stop.Dispose();
    }

    private async Task<bool> StopLoopAsync()
    {
        if (!_started || _stopped)
        {
            return false;
        }

        _stopped = true;
        _stop.Cancel(); // not CancelAsync: it runs callbacks on the thread pool, outside the injected scheduler
        await _loop;
        await _watching;
        return true;
    }

    private async Task LoopAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await StepAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                ClusterLog.TickFailed(_logger, ex, Group, MemberId);
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop);
            TaskCompletionSource wake;
            lock (_gate)
            {
                wake = _wake;
            }

            var change = _watcher.WaitForChangeAsync(_watcher.Version, wait.Token);
            var beat = Task.Delay(_options.Cluster.HeartbeatInterval, _time, wait.Token);
            await Task.WhenAny(change, beat.OnCallerContext(), wake.Task.OnCallerContext());
            wait.Cancel(); // not CancelAsync: it runs callbacks on the thread pool, outside the injected scheduler
            lock (_gate)
            {
                if (_wake.Task.IsCompleted)
                {
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            await ObserveAsync(change);
            await ObserveAsync(beat);
        }
    }

    /// <summary>One rebalance step: renew or drop held leases, compute the target, hand over, take.</summary>
    private async Task StepAsync(CancellationToken stop)
    {
        var me = MemberId;
        Held[] held;
        lock (_gate)
        {
            held = [.. _held.Values];
        }

        // 1. Keep what is ours: renew every lease; a lease that cannot be renewed (or a fenced partition) is lost.
        foreach (var h in held)
        {
            if (h.Fenced || await _leases.TryRenewAsync(h.Lease, stop) is not { } renewed)
            {
                await LoseAsync(h);
                continue;
            }

            h.Lease = renewed;
            if (h.Releasing is { IsCompleted: true })
            {
                await FinishHandOverAsync(h, stop);
            }
        }

        // 2. Decide (no I/O): the target from live members and unexpired leases, what to hand over, what to take.
        var view = _watcher.Current;
        var members = view.Live.Select(r => new AssignmentMember(r.MemberId, r.Weight)).ToList();
        if (members.All(m => m.Id != me) && _heartbeat.LastRecord is { } mine)
        {
            members.Add(new AssignmentMember(me, mine.Weight));
        }

        var leases = await _leases.ListAsync(stop);
        Dictionary<int, Held> byPartition;
        lock (_gate)
        {
            byPartition = new Dictionary<int, Held>(_held);
        }

        var plan = RebalancePlanner.Decide(
            new RebalancePlanner.Input(
                me,
                members,
                leases,
                byPartition.Keys.ToHashSet(),
                byPartition.Where(h => h.Value.Releasing is not null).Select(h => h.Key).ToHashSet(),
                _group.PartitionCount,
                _time.GetUtcNow().ToUnixTimeMilliseconds()),
            GroupAssignor(view.Live));
        lock (_gate)
        {
            if (plan.Target != _target)
            {
                ClusterLog.Target(_logger, Group, me, plan.Target.ToString());
                Diagnostics.ClusterTelemetry.Rebalances.Add(1, Diagnostics.ClusterTelemetry.Tags(Group, _group.Options.Topic));
            }

            _target = plan.Target;
            _live = [.. members.Select(m => m.Id).Order(StringComparer.Ordinal)];
        }

        // 3. Hand over what is now someone else's (in the background: draining must not delay renewals).
        foreach (var partition in plan.HandOver)
        {
            if (_options.UnsafeReleaseBeforeDrain)
            {
                var releasing = HandOverAsync(partition);
                await FinishHandOverAsync(byPartition[partition], stop);
                _ = releasing;
                continue;
            }

            byPartition[partition].Releasing = HandOverAsync(partition);
        }

        // 4. Take what is ours and free.
        foreach (var partition in plan.Take)
        {
            if (await _leases.TryAcquireAsync(partition, me, stop) is not { } lease)
            {
                continue;
            }

            try
            {
                await _group.StartPartitionAsync(partition, lease.Epoch, _leaseHolder, stop);
            }
            catch (PartitionFencedException)
            {
                // The offset record already carries a newer epoch (a lease record was reset by hand): leave it.
                await _leases.ReleaseAsync(lease, stop);
                continue;
            }

            lock (_gate)
            {
                _held[partition] = new Held(partition, lease);
            }

            ClusterLog.Acquired(_logger, Group, me, partition, lease.Epoch);
            Diagnostics.ClusterTelemetry.LeaseChanged(Group, _group.Options.Topic, "acquired");
        }
    }

    private async Task HandOverAsync(int partition)
    {
        try
        {
            await _group.StopPartitionAsync(partition, CancellationToken.None);
        }
        finally
        {
            Wake();
        }
    }

    private async Task FinishHandOverAsync(Held h, CancellationToken stop)
    {
        lock (_gate)
        {
            _held.Remove(h.Partition);
        }

        if (await _leases.ReleaseAsync(h.Lease, stop))
        {
            ClusterLog.Released(_logger, Group, MemberId, h.Partition, h.Lease.Epoch);
            Diagnostics.ClusterTelemetry.LeaseChanged(Group, _group.Options.Topic, "released");
        }
    }

    private async Task LoseAsync(Held h)
    {
        lock (_gate)
        {
            _held.Remove(h.Partition);
        }

        Interlocked.Increment(ref _leasesLost);
        ClusterLog.Lost(_logger, Group, MemberId, h.Partition, h.Lease.Epoch);
        Diagnostics.ClusterTelemetry.LeaseChanged(Group, _group.Options.Topic, "lost");
        if (h.Releasing is { } releasing)
        {
            // The hand-over drain goes on in the background: it is bounded (drain timeout), and fenced (its commit is
            // rejected once the next owner has written its epoch). Awaiting it here stalled this loop (no renewals, no
            // takes) for as long as a handler ignored its token, while the heartbeat told the group all was well.
            _ = ForgetAsync(releasing);
        }
        else
        {
            await _group.AbandonPartitionAsync(h.Partition);
        }
    }

    /// <summary>A commit of a partition this member started under <paramref name="epoch"/> was fenced: its next step drops it.</summary>
    private void OnPartitionFenced(int partition, long epoch)
    {
        lock (_gate)
        {
            if (_held.TryGetValue(partition, out var h) && h.Lease.Epoch == epoch)
            {
                h.Fenced = true;
            }
        }

        Wake();
    }

    private void Wake()
    {
        lock (_gate)
        {
            _wake.TrySetResult();
        }
    }

    private MemberSample Sample()
    {
        var counts = _group.Counts;
        var delta = (Handled: counts.Handled - _lastCounts.Handled, Failed: counts.Failed - _lastCounts.Failed);
        _lastCounts = counts;
        var partitions = _group.Partitions;
        var positions = partitions.Select(p => new PartitionPosition(p.Partition, p.Processed, 0)).ToList();

        // The load other members and dashboards see: handler calls running now, and the handling rate since the last
        // heartbeat (on the injected clock).
        var now = _time.GetTimestamp();
        var seconds = _lastSampleTimestamp < 0 ? 0 : _time.GetElapsedTime(_lastSampleTimestamp, now).TotalSeconds;
        _lastSampleTimestamp = now;
        var rate = seconds > 0 ? Math.Round(Math.Max(0, delta.Handled) / seconds, 1) : 0;
        return new MemberSample(
            new HealthSample(Math.Max(0, delta.Handled), Math.Max(0, delta.Failed), positions, EngineError: false),
            new MemberLoad(partitions.Sum(p => (long)p.InFlight), rate));
    }

    // string.GetHashCode and HashCode are randomized per process: a seed must give the same member randomness in a
    // replay in another process (FNV-1a over the UTF-16 code units).
    private static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)hash;
    }

    /// <summary>
    /// The assignor of the live member with the lowest id (this member's own when that one does not say): members
    /// configured with different assignors must still compute one target, or a partition every member thinks is
    /// another's would never be taken (found by the simulation, seed 6).
    /// </summary>
    private IAssignor GroupAssignor(IReadOnlyList<MemberRecord> live)
    {
        var leader = live.Where(r => r.Assignor is not null).MinBy(r => r.MemberId, StringComparer.Ordinal);
        if (leader is null || string.CompareOrdinal(MemberId, leader.MemberId) < 0 || leader.Assignor == _options.Assignor)
        {
            return _assignor;
        }

        var kind = leader.Assignor!.Value;
        if (!_otherAssignors.TryGetValue(kind, out var assignor))
        {
            _otherAssignors[kind] = assignor = Assignors.Create(kind);
        }

        return assignor;
    }

    /// <summary>Lets <paramref name="task"/> finish unobserved (its failures are logged where they happen).</summary>
    private static async Task ForgetAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // The partition consumer logged it; nobody waits for this task.
        }
    }

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Receives the runtime's fence reports for the partitions this member started under its leases; kept apart so
    /// that <see cref="ClusterMember"/> itself does not offer <see cref="IPartitionLeaseHolder"/> to its users.
    /// </summary>
    private sealed class LeaseHolder(ClusterMember member) : IPartitionLeaseHolder
    {
        public void OnPartitionFenced(string group, int partition, long epoch) => member.OnPartitionFenced(partition, epoch);
    }

    private sealed class Held(int partition, PartitionLease lease)
    {
        public int Partition { get; } = partition;

        public PartitionLease Lease { get; set; } = lease;

        public Task? Releasing { get; set; }

        public volatile bool Fenced;
    }
}
