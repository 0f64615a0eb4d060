using System.Globalization;

namespace Shoal.Cluster.Autoscaling;

/// <summary>
/// <c>shoal supervise</c>'s loop: every interval it asks the autoscaler for the desired worker count (relative to the
/// workers it has asked for, like a Deployment's replicas), starts workers to scale up, and asks the youngest to hand
/// over and stop (SIGTERM) to scale down. A worker that exits without being asked is restarted under the same member id
/// (self-healing: not a scaling decision, the count asked for does not change), with a growing delay when it keeps
/// crashing soon after starting. When <see cref="RunAsync"/>'s token is cancelled, every worker is asked to stop, and
/// those still running after the stop timeout are killed. Processes and time are injected, so tests run it with fake
/// processes on fake time. <c>shoal supervise</c> runs it with <c>shoal worker</c> processes
/// (<c>Shoal.Hosting.Processes.ProcessWorkerLauncher</c>); a library user can supervise any worker executable.
/// </summary>
/// <remarks>
/// A worker that exits with <see cref="RejectedOptionsExitCode"/> (2, as <c>shoal worker</c> and most Unix tools do for
/// bad arguments) is not restarted: <see cref="RunAsync"/> throws <see cref="ShoalConfigurationException"/>.
/// Not thread-safe: one <see cref="RunAsync"/> at a time, and <see cref="View"/> from the <c>report</c> callback or the
/// same synchronization context.
/// </remarks>
public sealed class Supervisor
{
    /// <summary>The exit code of a worker that rejected its options: restarting it would only fail again.</summary>
    public const int RejectedOptionsExitCode = 2;

    private readonly SupervisorOptions _options;
    private readonly IWorkerLauncher _launcher;
    private readonly Func<int, CancellationToken, ValueTask<SupervisorTick>> _evaluate;
    private readonly Action<SupervisorEvent> _report;
    private readonly TimeProvider _time;
    private readonly List<Slot> _slots = [];
    private readonly List<Slot> _stopping = [];
    private int _nextIndex;
    private int _decisions, _scaleUps, _scaleDowns, _added, _removed, _restarts, _killed, _started, _peak, _unclean;
    private int _finalWorkers;
    private double _workerSeconds;
    private DateTimeOffset _costSince;

    /// <param name="options">How many workers, how often to decide, and the stop and restart timing.</param>
    /// <param name="launcher">Starts one worker process by member id.</param>
    /// <param name="evaluate">Given the workers asked for, samples the engine and decides (an <see cref="Autoscaler"/>).</param>
    /// <param name="report">Receives every event, on the loop (one at a time).</param>
    /// <param name="time">The clock the intervals, back-offs and stop timeouts run on.</param>
    public Supervisor(SupervisorOptions options, IWorkerLauncher launcher, Func<int, CancellationToken, ValueTask<SupervisorTick>> evaluate, Action<SupervisorEvent> report, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(launcher);
        ArgumentNullException.ThrowIfNull(evaluate);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _launcher = launcher;
        _evaluate = evaluate;
        _report = report;
        _time = time;
    }

    /// <summary>Workers asked for: running, starting, or waiting to be restarted (not those stopping).</summary>
    public int Workers => _slots.Count;

    /// <summary>Workers asked to stop that have not exited yet.</summary>
    public int StoppingWorkers => _stopping.Count;

    /// <summary>Member id, pid (0 while waiting for a restart), state and start time of each worker, oldest first.</summary>
    public IReadOnlyList<WorkerView> View()
    {
        var now = _time.GetUtcNow();
        return
        [
            .. _slots.Select(s => new WorkerView(s.MemberId, s.Process?.Id ?? 0, s.Process is null ? "restarting" : "running", now - s.StartedAt, s.Restarts)),
            .. _stopping.Select(s => new WorkerView(s.MemberId, s.Process?.Id ?? 0, "stopping", now - s.StartedAt, s.Restarts)),
        ];
    }

    /// <summary>
    /// Starts the minimum, then decides every interval until <paramref name="stop"/> is cancelled; then stops every
    /// worker and returns the summary. Throws <see cref="ShoalConfigurationException"/> when a worker rejects its
    /// options (exit code {RejectedOptionsExitCode}): restarting it would only fail again.
    /// </summary>
    public async Task<SupervisorSummary> RunAsync(string topic, string group, CancellationToken stop)
    {
        var began = _time.GetUtcNow();
        _costSince = began;
        try
        {
            Add(_options.MinWorkers, "initial");
            var nextTick = _time.GetUtcNow();
            while (!stop.IsCancellationRequested)
            {
                HandleExits();
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                RestartDue();
                KillOverdue();
                if (_time.GetUtcNow() >= nextTick)
                {
                    await DecideAsync(stop);
                    nextTick += _options.Interval;
                    if (nextTick <= _time.GetUtcNow())
                    {
                        nextTick = _time.GetUtcNow() + _options.Interval;
                    }
                }

                await WaitAsync(nextTick, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Asked to stop while deciding: stop the workers below.
        }
        finally
        {
            await StopAllAsync();
        }

        return Summary(topic, group, began);
    }

    private SupervisorSummary Summary(string topic, string group, DateTimeOffset began) => new()
    {
        Topic = topic,
        Group = group,
        Decisions = _decisions,
        ScaleUps = _scaleUps,
        WorkersAdded = _added,
        ScaleDowns = _scaleDowns,
        WorkersRemoved = _removed,
        Restarts = _restarts,
        Killed = _killed,
        ProcessesStarted = _started,
        PeakWorkers = _peak,
        FinalWorkers = _finalWorkers,
        WorkerSeconds = Math.Round(_workerSeconds, 1),
        UncleanExits = _unclean,
        ElapsedMs = (long)(_time.GetUtcNow() - began).TotalMilliseconds,
    };

    private async Task DecideAsync(CancellationToken stop)
    {
        SupervisorTick tick;
        try
        {
            tick = await _evaluate(_slots.Count, stop);
        }
        catch (ShoalException e) when (e is not ShoalConfigurationException)
        {
            Emit(SupervisorEventTypes.Error, message: $"autoscaler: {e.Message} (workers stay as they are)");
            return;
        }

        _decisions++;
        var decision = tick.Decision;
        var current = _slots.Count;
        var desired = Math.Clamp(decision.DesiredMembers, _options.MinWorkers, _options.MaxWorkers);
        _report(new SupervisorEvent
        {
            Type = SupervisorEventTypes.Decision,
            At = _time.GetUtcNow(),
            Workers = current,
            From = current,
            To = desired,
            Reason = JsonNamingPolicyName(decision.Reason),
            Recommendation = decision.Recommendation,
            Lag = decision.Lag,
            ArrivalRate = tick.Sample is { } s ? Math.Round(s.ArrivalRate, 1) : null,
            ProcessedRate = tick.Sample is { } p ? Math.Round(p.ProcessedRate, 1) : null,
            PerMemberRate = tick.Sample is { } m ? Math.Round(m.ProcessingRatePerMember, 1) : null,
            LiveMembers = tick.Sample?.LiveMembers,
        });
        if (desired > current)
        {
            _scaleUps++;
            _added += desired - current;
            Add(desired - current, "scale-up");
        }
        else if (desired < current)
        {
            _scaleDowns++;
            _removed += current - desired;
            Remove(current - desired, "scale-down");
        }
    }

    private static string JsonNamingPolicyName(AutoscaleReason reason) =>
        System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(reason.ToString());

    private void Add(int count, string why)
    {
        for (var i = 0; i < count; i++)
        {
            var slot = new Slot(string.Create(CultureInfo.InvariantCulture, $"{_options.MemberPrefix}-{++_nextIndex}"));
            Account();
            _slots.Add(slot);
            _peak = Math.Max(_peak, _slots.Count);
            Launch(slot, SupervisorEventTypes.Started, why);
        }
    }

    /// <summary>Stops the <paramref name="count"/> youngest workers, those waiting for a restart first (they run nothing).</summary>
    private void Remove(int count, string why)
    {
        var victims = _slots.Where(s => s.Process is null).Reverse()
            .Concat(_slots.Where(s => s.Process is not null).Reverse())
            .Take(count)
            .ToList();
        foreach (var slot in victims)
        {
            Account();
            _slots.Remove(slot);
            Stop(slot, why);
        }
    }

    private void Stop(Slot slot, string why)
    {
        if (slot.Process is not { } process)
        {
            Emit(SupervisorEventTypes.Stopping, slot, reason: why, message: "was waiting for a restart; not restarted");
            return;
        }

        slot.StopRequestedAt = _time.GetUtcNow();
        _stopping.Add(slot);
        process.Terminate();
        Emit(SupervisorEventTypes.Stopping, slot, reason: why);
    }

    private void Launch(Slot slot, string type, string? why)
    {
        slot.Process = _launcher.Start(slot.MemberId);
        slot.StartedAt = _time.GetUtcNow();
        _started++;
        Emit(type, slot, reason: why, count: type == SupervisorEventTypes.Restarted ? slot.Restarts : null);
    }

    private void HandleExits()
    {
        foreach (var slot in _stopping.Where(s => s.Process!.Exited.IsCompleted).ToList())
        {
            _stopping.Remove(slot);
            var code = slot.Process!.Exited.Result;
            if (code != 0 && !slot.KilledBySupervisor)
            {
                _unclean++;
            }

            Emit(SupervisorEventTypes.Exited, slot, exitCode: code, message: code == 0 || slot.KilledBySupervisor ? null : LastErrors(slot.Process));
            slot.Process.Dispose();
            slot.Process = null;
        }

        var now = _time.GetUtcNow();
        foreach (var slot in _slots.Where(s => s.Process is { Exited.IsCompleted: true }))
        {
            var process = slot.Process!;
            var code = process.Exited.Result;
            var errors = LastErrors(process);
            if (code == RejectedOptionsExitCode)
            {
                Emit(SupervisorEventTypes.Crashed, slot, exitCode: code, message: errors);
                throw new ShoalConfigurationException("worker options", $"worker {slot.MemberId} rejected its options (exit code {RejectedOptionsExitCode}); not restarting it. {errors}");
            }

            var ranFor = now - slot.StartedAt;
            slot.QuickCrashes = ranFor < _options.StableAfter ? slot.QuickCrashes + 1 : 0;
            var delay = slot.QuickCrashes == 0
                ? TimeSpan.Zero
                : TimeSpan.FromTicks(Math.Min(_options.MaxRestartBackoff.Ticks, _options.FirstRestartBackoff.Ticks << Math.Min(20, slot.QuickCrashes - 1)));
            slot.RestartAt = now + delay;
            Emit(SupervisorEventTypes.Crashed, slot, exitCode: code, count: (long)delay.TotalMilliseconds, message: errors);
            process.Dispose();
            slot.Process = null;
        }
    }

    private void RestartDue()
    {
        var now = _time.GetUtcNow();
        foreach (var slot in _slots.Where(s => s.Process is null && s.RestartAt <= now))
        {
            slot.Restarts++;
            _restarts++;
            Launch(slot, SupervisorEventTypes.Restarted, "crashed");
        }
    }

    private void KillOverdue()
    {
        var now = _time.GetUtcNow();
        foreach (var slot in _stopping.Where(s => !s.KilledBySupervisor && now - s.StopRequestedAt >= _options.StopTimeout))
        {
            slot.KilledBySupervisor = true;
            _killed++;
            slot.Process!.Kill();
            Emit(SupervisorEventTypes.Killed, slot, message: $"did not stop within {Format(_options.StopTimeout)} of SIGTERM");
        }
    }

    /// <summary>Waits until <paramref name="until"/>, a restart or stop deadline, a worker exiting, or <paramref name="stop"/>.</summary>
    private async Task WaitAsync(DateTimeOffset until, CancellationToken stop)
    {
        foreach (var slot in _slots)
        {
            if (slot.Process is null && slot.RestartAt < until)
            {
                until = slot.RestartAt;
            }
        }

        foreach (var slot in _stopping.Where(s => !s.KilledBySupervisor))
        {
            var deadline = slot.StopRequestedAt + _options.StopTimeout;
            if (deadline < until)
            {
                until = deadline;
            }
        }

        var delay = until - _time.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var exits = _slots.Concat(_stopping).Where(s => s.Process is not null).Select(s => (Task)s.Process!.Exited).ToList();
        var sleep = Task.Delay(delay, _time, wake.Token);
        exits.Add(sleep);
        await Task.WhenAny(exits);
        wake.Cancel();
        try
        {
            await sleep;
        }
        catch (OperationCanceledException)
        {
            // Woken early by an exit, or asked to stop.
        }
    }

    private async Task StopAllAsync()
    {
        _finalWorkers = _slots.Count;
        Account();
        foreach (var slot in _slots.AsEnumerable().Reverse().ToList())
        {
            _slots.Remove(slot);
            Stop(slot, "shutdown");
        }

        while (_stopping.Count > 0)
        {
            HandleExits();
            KillOverdue();
            if (_stopping.Count > 0)
            {
                await WaitAsync(_time.GetUtcNow() + _options.StopTimeout, CancellationToken.None);
            }
        }
    }

    /// <summary>Adds the workers asked for since the last change to the cost.</summary>
    private void Account()
    {
        var now = _time.GetUtcNow();
        _workerSeconds += _slots.Count * (now - _costSince).TotalSeconds;
        _costSince = now;
    }

    /// <summary>A duration as the CLI's options write it: whole seconds as <c>45s</c>, otherwise milliseconds.</summary>
    private static string Format(TimeSpan value) => value.Ticks % TimeSpan.TicksPerSecond == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{(long)value.TotalSeconds}s")
        : string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds}ms");

    private static string? LastErrors(IWorkerProcess process) =>
        process.LastErrors.Count == 0 ? null : "stderr: " + string.Join(" | ", process.LastErrors.TakeLast(5));

    private void Emit(string type, Slot? slot = null, string? reason = null, int? exitCode = null, long? count = null, string? message = null) =>
        _report(new SupervisorEvent
        {
            Type = type,
            At = _time.GetUtcNow(),
            Workers = _slots.Count,
            Member = slot?.MemberId,
            Pid = slot?.Process?.Id,
            Reason = reason,
            ExitCode = exitCode,
            Count = count,
            Message = message,
        });

    private sealed class Slot(string memberId)
    {
        public string MemberId { get; } = memberId;

        public IWorkerProcess? Process { get; set; }

        public DateTimeOffset StartedAt { get; set; }

        public DateTimeOffset RestartAt { get; set; }

        public DateTimeOffset StopRequestedAt { get; set; }

        public int QuickCrashes { get; set; }

        public int Restarts { get; set; }

        public bool KilledBySupervisor { get; set; }
    }
}
