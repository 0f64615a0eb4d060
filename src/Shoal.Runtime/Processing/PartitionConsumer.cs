using Shoal.Diagnostics;
using Shoal.Engine;
using Shoal.Threading;

namespace Shoal.Processing;

/// <summary>
/// Consumes one partition for one group: a fetch loop with bounded prefetch feeding the key-ordered
/// dispatcher, commits of the contiguous watermark (written by <see cref="OffsetCommitter"/>), and a graceful
/// stop (stop fetching and starting events, let the running handlers finish up to a deadline, commit).
/// A cluster member suspends it while its lease may have expired (<see cref="Suspend"/>: nothing starts, running
/// handlers are cancelled, nothing is committed) and resumes it once the lease is renewed (<see cref="ResumeAsync"/>).
/// </summary>
internal sealed class PartitionConsumer : IAsyncDisposable
{
    private readonly GroupContext _group;
    private readonly Lock _lifecycle = new(); // suspension and resumption against a stop
    private CancellationTokenSource _stopStarting = new(); // stop fetching, starting events and waiting to retry
    private CancellationTokenSource _hardStop = new();
    private readonly ParkedKeys _parked;
    private readonly OffsetCommitter _offsets;
    private KeyOrderedDispatcher? _dispatcher;
    private OffsetTracker? _tracker;
    private Task _fetchLoop = Task.CompletedTask;
    private long _next;
    private readonly AsyncGate _commitGate = new();
    private EventProcessor? _processor;
    private long _handledBefore; // by processors replaced when the partition resumed
    private long _failedBefore;
    private int _fenced;
    private bool _suspended;
    private long _suspensions; // every Suspend call, so a resumption started before a later one gives up
    private bool _stopping;

    public PartitionConsumer(GroupContext group, int partition)
    {
        _group = group;
        Partition = partition;
        _parked = new ParkedKeys(group, partition);
        _offsets = new OffsetCommitter(group, partition);
    }

    public int Partition { get; }

    /// <summary>The last committed offset (the next offset the group will process after a restart).</summary>
    public long Committed => _offsets.Committed;

    /// <summary>Everything below this is done (may be ahead of <see cref="Committed"/> until the next commit).</summary>
    public long Watermark => _tracker?.Watermark ?? Committed;

    /// <summary>Events handled successfully in this partition since it started here.</summary>
    public long Handled => Interlocked.Read(ref _handledBefore) + (_processor?.Handled ?? 0);

    /// <summary>Failed handler attempts in this partition since it started here.</summary>
    public long Failed => Interlocked.Read(ref _failedBefore) + (_processor?.Failed ?? 0);

    /// <summary>The next offset the fetch loop will read.</summary>
    public long FetchPosition => Volatile.Read(ref _next);

    /// <summary>The fencing epoch this consumer commits with (0 outside a cluster).</summary>
    public long Epoch => _offsets.Epoch;

    /// <summary>Handler calls running now (0 before start and after stop).</summary>
    public int InFlight => _dispatcher?.Running ?? 0;

    /// <summary>True once a commit was rejected because a newer epoch owns the partition; it stopped processing.</summary>
    public bool IsFenced => Volatile.Read(ref _fenced) != 0;

    /// <summary>True while suspended (<see cref="Suspend"/>): nothing starts and nothing is committed.</summary>
    public bool IsSuspended
    {
        get
        {
            lock (_lifecycle)
            {
                return _suspended;
            }
        }
    }

    /// <summary>Commits rejected because a newer owner fenced the partition.</summary>
    public long CommitsRejected => _offsets.Rejected;

    /// <summary>Called once when the partition finds itself fenced (the group removes it).</summary>
    public Action<PartitionConsumer>? OnFenced { get; set; }

    /// <summary>The fetch loop's task; faults if the partition fails.</summary>
    public Task Completion => _fetchLoop;

    public ParkedKeys Parked => _parked;

    /// <summary>
    /// Loads the committed offset (creating it at the start position if absent) and starts fetching. With an
    /// <paramref name="epoch"/> (a cluster lease), first fences the offset record: rewrites it carrying this
    /// epoch, so any older owner's next commit fails its compare-and-set and is rejected.
    /// </summary>
    /// <exception cref="PartitionFencedException">The record already carries a newer epoch: this lease is stale.</exception>
    public async Task StartAsync(long? epoch, CancellationToken cancellationToken)
    {
        var log = _group.Engine.Log;
        var offsets = await log.GetOffsetsAsync(_group.Topic, Partition, cancellationToken);
        await _offsets.ClaimAsync(epoch, offsets, cancellationToken);
        await _parked.LoadAsync(cancellationToken);
        var committed = _offsets.Committed;
        _next = Math.Max(committed, offsets.Start);
        if (_next > committed)
        {
            RuntimeLog.OffsetsTrimmed(_group.Logger, _group.Group, _group.Topic, Partition, _next);
        }

        _tracker = new OffsetTracker(_group.Options.MaxInFlight, _next);
        if (_next == committed)
        {
            // Events the previous owner finished above its watermark are skipped, not handled again.
            _tracker.MarkDone(_offsets.CommittedDone);
        }

        Run();
        RuntimeLog.PartitionStarted(_group.Logger, _group.Group, _group.Topic, Partition, _next);
    }

    /// <summary>A processor and dispatcher over the tracker, and the fetch loop from <see cref="_next"/>.</summary>
    private void Run()
    {
        var processor = _processor = new EventProcessor(_group, _parked, new DeadLetterWriter(_group), _offsets.Epoch, _stopStarting.Token, _hardStop.Token);
        _dispatcher = new KeyOrderedDispatcher(processor, _tracker!, _group.Options.MaxConcurrency, _group.Time, _hardStop.Token);

        // The injected scheduler decides where the loop runs (the thread pool in production, one thread in simulation).
        _fetchLoop = Task.Factory.StartNew(FetchLoopAsync, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _group.Scheduler).Unwrap();
    }

    /// <summary>
    /// Stops starting events and cancels the handler calls running (their events stay undone), until
    /// <see cref="ResumeAsync"/>: the lease this partition runs under may have expired, so another member may own it
    /// now. Nothing is committed meanwhile (not even a stop's last commit); the events done so far stay recorded here.
    /// False when already suspended or fenced.
    /// </summary>
    public bool Suspend()
    {
        lock (_lifecycle)
        {
            if (IsFenced)
            {
                return false;
            }

            // A stopping partition is suspended too: its running handlers are cancelled and its last commit skipped.
            _suspensions++;
            if (_suspended)
            {
                return false;
            }

            _suspended = true;

            // The dispatcher first, so events the cancel ends are left undone as stopped ones, not faults.
            _dispatcher?.StopStarting();
            _stopStarting.Cancel(); // not CancelAsync: it runs callbacks on the thread pool, outside the injected scheduler
            _hardStop.Cancel();
            return true;
        }
    }

    /// <summary>
    /// Ends a suspension: once the cancelled handler calls have returned (a key's events never overlap), fetches again
    /// from the watermark, skipping what was done before the suspension. False when not suspended, stopping, or
    /// suspended again meanwhile.
    /// </summary>
    public async Task<bool> ResumeAsync()
    {
        KeyOrderedDispatcher? old;
        Task loop;
        long suspensions;
        lock (_lifecycle)
        {
            if (!_suspended || _stopping || IsFenced)
            {
                return false;
            }

            suspensions = _suspensions;
            old = _dispatcher;
            loop = _fetchLoop;
        }

        try
        {
            await loop;
        }
        catch (Exception)
        {
            // Logged by the loop; the resumed loop starts afresh.
        }

        if (old is not null)
        {
            await old.WhenIdleAsync();
        }

        lock (_lifecycle)
        {
            if (!_suspended || _stopping || IsFenced || suspensions != _suspensions)
            {
                return false;
            }

            _suspended = false;
            Interlocked.Add(ref _handledBefore, _processor?.Handled ?? 0);
            Interlocked.Add(ref _failedBefore, _processor?.Failed ?? 0);
            _stopStarting = new CancellationTokenSource();
            _hardStop = new CancellationTokenSource();
            _next = _tracker!.Watermark;
            Run();
        }

        old?.Dispose();
        return true;
    }

    private async Task FetchLoopAsync()
    {
        var dispatcher = _dispatcher!;
        var tracker = _tracker!;
        var batch = new EventEnvelope[Math.Min(_group.Options.FetchBatchSize, _group.Options.MaxInFlight)];
        var window = tracker.Capacity;
        var refill = Math.Max(1, Math.Min(batch.Length, window / 2));
        var stop = _stopStarting.Token;
        var readFailures = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var room = (int)Math.Min(batch.Length, tracker.Watermark + window - _next);
                if (room <= 0)
                {
                    // The in-flight window is full: wait until a whole fetch batch fits (at most half the window), not
                    // a single offset, so a saturated loop wakes (and reads) once per batch, not once per completion.
                    var wait = dispatcher.WaitForWatermark(_next - window + refill);
                    if (wait is not null)
                    {
                        await wait.WaitSignalAsync(stop);
                    }

                    continue;
                }

                int count;
                try
                {
                    count = await _group.Engine.Log.ReadAsync(_group.Topic, Partition, _next, batch.AsMemory(0, room), stop);
                    readFailures = 0;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stop.IsCancellationRequested)
                {
                    // The engine is unreachable or failed: keep the partition and try again with backoff.
                    readFailures++;
                    _group.EngineTrouble.Observe(ex);
                    RuntimeLog.ReadFailed(_group.Logger, ex, _group.Group, _group.Topic, Partition, readFailures);
                    await Task.Delay(_group.EngineBackoff(readFailures), _group.Time, stop);
                    continue;
                }

                if (count == 0)
                {
                    continue;
                }

                if (batch[0].Offset != _next)
                {
                    await SkipTrimmedAsync(batch[0].Offset, stop);
                }

                for (var i = 0; i < count; i++)
                {
                    dispatcher.Dispatch(batch[i]);
                }

                _next = batch[count - 1].Offset + 1;
                Array.Clear(batch, 0, count);
                if (tracker.Watermark - _offsets.Committed >= window && !_commitGate.IsHeld)
                {
                    // A window's worth of done events is not committed yet: commit now rather than at the next
                    // interval, so a crash redelivers at most about two windows per partition.
                    _ = CommitInBackgroundAsync();
                }

                if (dispatcher.Fault is { } fault)
                {
                    RuntimeLog.PartitionFailed(_group.Logger, fault, _group.Group, _group.Topic, Partition);
                    throw new ShoalException($"Partition {Partition} of '{_group.Topic}' failed in group '{_group.Group}'.", fault);
                }

                // Let the other partitions' loops run: with synchronous handlers this loop would otherwise never yield.
                await Task.Yield();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task SkipTrimmedAsync(long resumeAt, CancellationToken stop)
    {
        // Retention discarded offsets [_next, resumeAt) before this group processed them: finish what is in
        // flight, then move the watermark over the gap.
        var wait = _dispatcher!.WaitForWatermark(_next);
        if (wait is not null)
        {
            await wait.WaitSignalAsync(stop);
        }

        _dispatcher.ResetTracker(resumeAt);
        RuntimeLog.OffsetsTrimmed(_group.Logger, _group.Group, _group.Topic, Partition, resumeAt);
    }

    private async Task CommitInBackgroundAsync()
    {
        try
        {
            await CommitAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            RuntimeLog.CommitFailed(_group.Logger, ex, _group.Group, _group.Topic, Partition);
        }
    }

    /// <summary>Commits the watermark if it moved. Returns false when the commit was rejected (the record changed under us).</summary>
    public async ValueTask<bool> CommitAsync(CancellationToken cancellationToken)
    {
        await _commitGate.WaitAsync(cancellationToken);
        try
        {
            if (IsFenced || IsSuspended)
            {
                // Fenced, or the lease may have expired: another member may own the partition, write nothing.
                return false;
            }

            var point = _dispatcher?.CommitPoint(_offsets.Epoch) ?? new CommittedOffset(Committed, _offsets.Epoch) { Done = _offsets.CommittedDone };
            var outcome = await _offsets.CommitAsync(point, cancellationToken);
            if (outcome == OffsetCommitter.Outcome.Fenced)
            {
                Fence();
                return false;
            }

            return outcome == OffsetCommitter.Outcome.Committed;
        }
        finally
        {
            _commitGate.Release();
        }
    }

    /// <summary>
    /// Graceful stop: stop fetching and starting events, let the handlers already running finish until
    /// <paramref name="drainTimeout"/>, then cancel what still runs, and commit the watermark with the finished
    /// offsets above it. Events fetched but not started are left to the next owner, and so is an event waiting for its
    /// next retry (its wait ends at once; it is neither done nor dead-lettered): the stop takes about as long as the
    /// slowest running handler call, not as long as the fetched window or a retry backoff.
    /// </summary>
    public async Task StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        KeyOrderedDispatcher? stopping;
        CancellationTokenSource hardStop;
        Task loop;
        lock (_lifecycle)
        {
            _stopping = true; // no resumption from now on
            stopping = _dispatcher;
            hardStop = _hardStop;
            loop = _fetchLoop;

            // The dispatcher first, so an event whose retry wait the cancel ends is left undone as a stopped one, not a fault.
            stopping?.StopStarting();
            _stopStarting.Cancel(); // not CancelAsync: it runs callbacks on the thread pool, outside the injected scheduler
        }

        try
        {
            await loop;
        }
        catch (Exception ex)
        {
            RuntimeLog.PartitionFailed(_group.Logger, ex, _group.Group, _group.Topic, Partition);
        }

        if (stopping is { } dispatcher)
        {
            var running = dispatcher.WhenIdleAsync();
            if (!running.IsCompleted)
            {
                try
                {
                    await running.WaitSignalAsync(drainTimeout, _group.Time, cancellationToken);
                }
                catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
                {
                    // The drain deadline passed, or the caller (e.g. the host's shutdown timeout) gave up waiting.
                    RuntimeLog.DrainTimedOut(_group.Logger, _group.Group, _group.Topic, Partition, dispatcher.Running);
                }
            }

            hardStop.Cancel(); // not CancelAsync: it runs callbacks on the thread pool, outside the injected scheduler
            try
            {
                // Bounded too: a handler that ignores its token must not hold the stop (and a hand-over) forever.
                await dispatcher.WhenIdleAsync().WaitSignalAsync(drainTimeout, _group.Time, cancellationToken);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                // A handler ignores its token; what it works on is not done, so the commit below leaves it out.
                RuntimeLog.DrainTimedOut(_group.Logger, _group.Group, _group.Topic, Partition, dispatcher.Running);
            }
        }

        await CommitLastAsync(drainTimeout, cancellationToken);
        RuntimeLog.PartitionStopped(_group.Logger, _group.Group, _group.Topic, Partition, Committed);
    }

    /// <summary>
    /// The last commit of a graceful stop. It runs even when the caller's token fired (the watermark only covers
    /// finished events), and a failed attempt (an engine error, or a compare-and-set that lost to a same-epoch write)
    /// is retried with the group's engine backoff for up to <paramref name="patience"/>: if the last commit were lost,
    /// the next owner would handle again everything this owner finished since its previous commit. It gives up at
    /// once when the partition is fenced (a newer owner holds it) or the caller's token fires between attempts.
    /// </summary>
    private async Task CommitLastAsync(TimeSpan patience, CancellationToken cancellationToken)
    {
        var deadline = _group.Time.GetTimestamp() + (long)(patience.TotalSeconds * _group.Time.TimestampFrequency);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (await CommitAsync(CancellationToken.None) || IsFenced || IsSuspended)
                {
                    // Suspended: the lease may have expired, so this owner must not write; the next one redelivers.
                    return;
                }
            }
            catch (Exception ex)
            {
                RuntimeLog.CommitFailed(_group.Logger, ex, _group.Group, _group.Topic, Partition);
            }

            var delay = _group.EngineBackoff(attempt);
            var remaining = deadline - _group.Time.GetTimestamp();
            if (cancellationToken.IsCancellationRequested || delay.TotalSeconds * _group.Time.TimestampFrequency > remaining)
            {
                return;
            }

            try
            {
                await Task.Delay(delay, _group.Time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Stops at once without committing: the lease was lost, so what is in flight belongs to the next owner
    /// (it will be delivered again from the committed offset). Waits a bounded time for running handlers.
    /// </summary>
    public async Task AbandonAsync(TimeSpan wait)
    {
        Fence();

        // A commit may be in flight (sent before the lease was found lost): let it finish, so a rejection is counted
        // before the group takes this consumer's counts, and the gate is not disposed under it.
        using (var timeout = new CancellationTokenSource(wait, _group.Time))
        {
            try
            {
                await _commitGate.WaitAsync(timeout.Token);
                _commitGate.Release();
            }
            catch (OperationCanceledException)
            {
            }
        }

        try
        {
            await _fetchLoop.WaitAsync(wait, _group.Time);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Already logged by the loop, or it did not stop in time: either way nothing is committed.
        }

        if (_dispatcher is { } dispatcher)
        {
            try
            {
                await dispatcher.WhenIdleAsync().WaitSignalAsync(wait, _group.Time);
            }
            catch (TimeoutException)
            {
                RuntimeLog.DrainTimedOut(_group.Logger, _group.Group, _group.Topic, Partition, dispatcher.Running);
            }
        }
    }

    private void Fence()
    {
        lock (_lifecycle)
        {
            if (Interlocked.Exchange(ref _fenced, 1) != 0)
            {
                return;
            }

            _dispatcher?.StopStarting();
            _stopStarting.Cancel();
            _hardStop.Cancel();
        }

        OnFenced?.Invoke(this);
    }

    public ValueTask DisposeAsync()
    {
        _dispatcher?.Dispose();
        _stopStarting.Dispose();
        _hardStop.Dispose();
        return ValueTask.CompletedTask;
    }
}
