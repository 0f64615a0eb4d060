using Microsoft.Extensions.Logging;
using Shoal.Cluster.Leases;
using Shoal.Threading;

namespace Shoal.Cluster;

/// <summary>
/// Makes a node one member of a group's cluster. It heartbeats, watches the other members, computes the target
/// assignment with the group's assignor, and acts on it only through fenced leases: it takes the partitions
/// assigned to it once their leases are free (released, or expired after the owner died), hands over the ones
/// assigned elsewhere (stop starting events, wait for the handler calls running, commit, release), and renews the
/// rest. Partitions that do not move are never touched, so they never pause (cooperative rebalancing).
/// </summary>
/// <remarks>
/// The group must use <see cref="PartitionOwnership.Assigned"/>. All decisions run on one async loop that wakes
/// every heartbeat interval, on a membership change, or when a hand-over finishes; lease renewals run on that
/// loop too, never behind handler work. A partition whose lease is lost, or whose commit is rejected because a
/// newer epoch fenced it, stops at once without committing. The member keeps the loop and the decisions; the
/// lease actions (renew, take, hand over, release, fence reports) are <see cref="LeaseKeeper"/>'s.
/// </remarks>
public sealed class ClusterMember : IAsyncDisposable
{
    private readonly ShoalRuntime _runtime;
    private readonly ConsumerGroup _group;
    private readonly ClusterMemberOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GroupAssignor _assignor;
    private readonly PartitionLeases _leases;
    private readonly MemberHeartbeat _heartbeat;
    private readonly MembershipWatcher _watcher;
    private readonly HeldLeases _held = new();
    private readonly LeaseKeeper _keeper;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private Task _watching = Task.CompletedTask;
    private Assignment _target = Assignment.Empty;
    private IReadOnlyList<string> _live = [];
    private long _stepVersion;
    private volatile bool _waitingForBeat;
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
        _assignor = new GroupAssignor(options.MemberId, options.Assignor);
        var ttl = options.Cluster.SessionTtl;
        _leases = new PartitionLeases(runtime.Engine.Coordination, _group.Options.Topic, group, _time, ttl);
        _keeper = new LeaseKeeper(_group, _leases, _held, options.MemberId, _time, options.UnsafeNoSelfFence ? null : ttl, _logger, Wake);
        var random = MemberRandom.Create(runtime.Options.RandomSeed, options.MemberId);
        _heartbeat = new MemberHeartbeat(
            runtime.Engine.Coordination,
            new MemberIdentity(group, options.MemberId, options.Weight, options.Capacity, options.Address, options.Assignor),
            options.Cluster,
            _time,
            random,
            options.Health,
            new LoadSampler(_group, _time, () => _keeper.Lost).Sample,
            _logger);
        _watcher = new MembershipWatcher(runtime.Engine.Coordination, group, ttl, _time, _logger);
    }

    /// <summary>
    /// A partition handed over (released) and not taken by its target owner within this time goes to another member:
    /// three heartbeat intervals. A take happens at the owner's next step, at the latest one heartbeat after the release;
    /// the other two absorb a step's own time and the jitter of a loaded machine, so a healthy taker is not overtaken.
    /// </summary>
    internal TimeSpan RevokeAfter => _options.Cluster.HeartbeatInterval * 3;

    /// <summary>This member's id.</summary>
    public string MemberId => _options.MemberId;

    /// <summary>The group it belongs to.</summary>
    public string Group => _group.Options.Name;

    /// <summary>The partitions this member holds leases for, with their epochs.</summary>
    public IReadOnlyDictionary<int, long> OwnedPartitions => _held.Epochs();

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

    /// <summary>The member's watch of its group (tests wait for it to reflect the store).</summary>
    internal MembershipWatcher Membership => _watcher;

    /// <summary>The <see cref="MembershipWatcher.Version"/> known when the last step began (the step may have read a newer view).</summary>
    internal long StepVersion => Interlocked.Read(ref _stepVersion);

    /// <summary>
    /// True while the member loop, its step done, waits for its next beat (or a change of the group's view); tests on a
    /// fake clock move time only then, so a step never spans two ticks.
    /// </summary>
    internal bool WaitingForBeat => _waitingForBeat;

    /// <summary>Leases this member lost (taken over after it failed to renew them in time, or fenced at commit).</summary>
    public long LeasesLost => _keeper.Lost;

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
    /// Leaves gracefully: hands every partition over (stop fetching and starting events, wait for the handler calls
    /// running, commit, release the lease; what was fetched but not started is the next owner's) and deletes the
    /// member record, so the others rebalance at once instead of waiting for the session TTL.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!await StopLoopAsync())
        {
            return;
        }

        await Task.WhenAll(_held.Snapshot().Select(h => _keeper.LeaveAsync(h, cancellationToken)));
        _held.Clear();

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
        await Task.WhenAll(_held.RemoveAll().Select(_group.AbandonPartitionAsync));
    }

    /// <summary>Stops the member (<see cref="StopAsync"/>): hands its partitions over and leaves the cluster.</summary>
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

        // Nothing to decide before the first view of the group: with none, this member would plan every partition for
        // itself. It holds no lease yet, so there is nothing to renew meanwhile.
        try
        {
            await _watcher.WaitForChangeAsync(0, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return;
        }

        while (!stop.IsCancellationRequested)
        {
            // The version before the step reads the view: a change published while the step runs (a member leaving
            // while its leases are listed) wakes the loop at once instead of waiting for the next beat.
            var known = _watcher.Version;
            Interlocked.Exchange(ref _stepVersion, known);
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

            var change = _watcher.WaitForChangeAsync(known, wait.Token);
            var beat = Task.Delay(_options.Cluster.HeartbeatInterval, _time, wait.Token);
            _waitingForBeat = true;
            await Task.WhenAny(change, beat.OnCallerContext(), wake.Task.OnCallerContext());
            _waitingForBeat = false;
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

        // 1. Keep what is ours: renew every lease; a lease that cannot be renewed (or a fenced partition) is lost.
        await _keeper.RenewAsync(stop);

        // 2. Decide (no I/O): the target from live members and unexpired leases, what to hand over, what to take.
        var view = _watcher.Current;
        List<MemberRecord> records = [.. view.Live];
        if (records.All(r => r.MemberId != me) && _heartbeat.LastRecord is { } mine)
        {
            records.Add(mine);
        }

        // Work goes to the healthiest members present (a degraded member hands its partitions over).
        var members = HealthTiers.Candidates(records);

        var leases = await _leases.ListAsync(stop);
        var byPartition = _held.ByPartition();
        var plan = RebalancePlanner.Decide(
            new RebalancePlanner.Input(
                me,
                members,
                leases,
                byPartition.Keys.ToHashSet(),
                byPartition.Where(h => h.Value.Releasing is not null).Select(h => h.Key).ToHashSet(),
                _group.PartitionCount,
                _time.GetUtcNow().ToUnixTimeMilliseconds(),
                (long)RevokeAfter.TotalMilliseconds),
            _assignor.For(view.Live));
        foreach (var (partition, from, to) in plan.Revoked.Where(r => r.To == me))
        {
            ClusterLog.HandOverRevoked(_logger, Group, me, partition, from, (long)RevokeAfter.TotalMilliseconds);
        }

        lock (_gate)
        {
            if (plan.Target != _target)
            {
                ClusterLog.Target(_logger, Group, me, plan.Target.ToString().Replace("\n", "; ", StringComparison.Ordinal));
                Diagnostics.ClusterTelemetry.Rebalances.Add(1, Diagnostics.ClusterTelemetry.Tags(Group, _group.Options.Topic));
            }

            _target = plan.Target;
            _live = [.. members.Select(m => m.Id).Order(StringComparer.Ordinal)];
        }

        // 3. Hand over what is now someone else's (in the background: a partition's stop must not delay renewals).
        foreach (var partition in plan.HandOver)
        {
            await _keeper.HandOverAsync(byPartition[partition], _options.UnsafeReleaseBeforeDrain, stop);
        }

        // 4. Take what is ours and free.
        foreach (var partition in plan.Take)
        {
            await _keeper.TakeAsync(partition, stop);
        }
    }

    private void Wake()
    {
        lock (_gate)
        {
            _wake.TrySetResult();
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
}
