using System.Diagnostics;
using Shoal.Engine;

namespace Shoal.Processing;

/// <summary>
/// Runs the events of one partition: events with the same key one at a time in offset order, events with
/// different keys concurrently up to a limit, so parallelism is not capped by the partition count.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Dispatch"/> is called by one fetch loop at a time. An event whose key is idle runs inline on
/// the caller: a handler that completes synchronously costs no queue, no task and no allocation. If it goes
/// asynchronous, its key becomes busy and a worker takes over; events that arrive for a busy key wait in
/// that key's FIFO, and the worker runs them in order when the previous one finishes. When the concurrency
/// limit is reached, keys wait in a ready queue; a worker that has more work for its own key while others
/// wait rotates to the back, so a hot key cannot starve the rest.
/// </para>
/// <para>Completions feed the <see cref="OffsetTracker"/>, whose contiguous watermark is what gets committed.</para>
/// <para>
/// <see cref="StopStarting"/> ends the dispatch of a stopping partition: the events running finish, nothing queued
/// or dispatched later starts. What did not start is not done, so the next owner handles it, in order; so is an
/// event the processor gave up on because of the stop (it was waiting for a retry).
/// </para>
/// </remarks>
internal sealed class KeyOrderedDispatcher : IDisposable
{
    private readonly Lock _gate = new();
    private readonly IEventProcessor _processor;
    private readonly OffsetTracker _tracker;
    private readonly int _maxConcurrency;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stop;
    private readonly Dictionary<string, KeyQueue> _busy = new(StringComparer.Ordinal);
    private readonly Queue<KeyQueue> _ready = new();
    private readonly Stack<KeyQueue> _queuePool = new();
    private readonly Stack<HandlerSlot> _slotPool = new();
    private HandlerSlot _inlineSlot;
    private int _running;
    private long _skippedDone;
    private TaskCompletionSource? _idle;
    private Exception? _fault;
    private bool _stopped;

    public KeyOrderedDispatcher(IEventProcessor processor, OffsetTracker tracker, int maxConcurrency, TimeProvider time, CancellationToken stop)
    {
        _processor = processor;
        _tracker = tracker;
        _maxConcurrency = maxConcurrency;
        _time = time;
        _stop = stop;
        _inlineSlot = new HandlerSlot(time, stop);
    }

    /// <summary>Handlers running right now (keys with an event in progress).</summary>
    public int Running
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    /// <summary>An unexpected failure of a worker (never a handler's exception: those are handled inside).</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>
    /// Events skipped because they were already done when fetched: a previous owner of the partition finished them
    /// and committed them above its watermark (<see cref="CommittedOffset.Done"/>).
    /// </summary>
    public long SkippedDone => Volatile.Read(ref _skippedDone);

    /// <summary>
    /// Hands one fetched event over. Called by a single fetch loop; never blocks. An event already done (see
    /// <see cref="SkippedDone"/>) is not run again; after <see cref="StopStarting"/> no event is.
    /// </summary>
    public void Dispatch(in EventEnvelope envelope)
    {
        var key = envelope.Key;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            if (_tracker.IsDone(envelope.Offset))
            {
                // Done before this owner fetched it. Every earlier event of its key was done before it (per-key order),
                // so skipping it keeps the key's order.
                _skippedDone++;
                return;
            }

            if (key is not null && _busy.TryGetValue(key, out var waiting))
            {
                waiting.Events.Enqueue(envelope);
                return;
            }

            if (_running >= _maxConcurrency)
            {
                var queue = RentQueue(key);
                queue.Events.Enqueue(envelope);
                if (key is not null)
                {
                    _busy.Add(key, queue);
                }

                _ready.Enqueue(queue);
                return;
            }

            _running++;
        }

        var slot = _inlineSlot;
        slot.Renew();
        ValueTask pending;
        try
        {
            pending = _processor.ProcessAsync(envelope, slot);
        }
        catch (Exception ex)
        {
            pending = ValueTask.FromException(ex);
        }

        if (pending.IsCompletedSuccessfully)
        {
            pending.GetAwaiter().GetResult();
            lock (_gate)
            {
                _tracker.MarkDone(envelope.Offset);
                _running--;
                Debug.Assert(_ready.Count == 0, "Keys only wait for a slot while every slot is taken.");
                SignalIdleIfNeeded();
            }

            return;
        }

        // The handler went asynchronous: its key stays busy until a worker has run its queue dry.
        KeyQueue busy;
        lock (_gate)
        {
            _inlineSlot = _slotPool.Count > 0 ? _slotPool.Pop() : new HandlerSlot(_time, _stop);
            busy = RentQueue(key);
            if (key is not null)
            {
                _busy.Add(key, busy);
            }
        }

        _ = RunWorkerAsync(busy, envelope, pending, slot);
    }

    /// <summary>A task that completes once every offset below <paramref name="target"/> is done; null if already so.</summary>
    public Task? WaitForWatermark(long target)
    {
        lock (_gate)
        {
            return _tracker.WaitForWatermark(target);
        }
    }

    /// <summary>What a commit records now: the watermark and the done offsets above it.</summary>
    public CommittedOffset CommitPoint(long epoch)
    {
        lock (_gate)
        {
            return new CommittedOffset(_tracker.Watermark, epoch) { Done = _tracker.DoneAbove() };
        }
    }

    /// <summary>Moves the idle tracker over a gap (offsets trimmed before they were fetched).</summary>
    public void ResetTracker(long start)
    {
        lock (_gate)
        {
            _tracker.Reset(start);
        }
    }

    /// <summary>
    /// Starts no further event: the handlers running now finish (see <see cref="WhenIdleAsync"/>), while events queued
    /// behind a busy key or waiting for a slot, and any dispatched later, stay undone for the next owner. Per-key order
    /// holds: what is dropped of a key comes after what of it ran. Call it before cancelling the processor's stop
    /// token, so an event the processor abandons for the stop (an <see cref="OperationCanceledException"/>) counts as
    /// stopped, not as a fault.
    /// </summary>
    public void StopStarting()
    {
        lock (_gate)
        {
            _stopped = true;
        }
    }

    /// <summary>Completes when no handler is running (queued events of a stopped partition do not count).</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate)
        {
            if (_running == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _inlineSlot.Dispose();
            while (_slotPool.Count > 0)
            {
                _slotPool.Pop().Dispose();
            }
        }
    }

    // A Task, not a pooled ValueTask: nobody awaits a worker (it reports through the tracker and Fault),
    // and a pooled box is only returned to its pool by an await.
    private async Task RunWorkerAsync(KeyQueue queue, EventEnvelope current, ValueTask pending, HandlerSlot slot)
    {
        try
        {
            await pending;
            while (true)
            {
                lock (_gate)
                {
                    _tracker.MarkDone(current.Offset);
                    if (_stopped)
                    {
                        // The partition is stopping: this key's queued events (and the ready keys') stay undone.
                        _running--;
                        _slotPool.Push(slot);
                        SignalIdleIfNeeded();
                        return;
                    }

                    if (queue.Events.Count == 0)
                    {
                        if (queue.Key is not null)
                        {
                            _busy.Remove(queue.Key);
                        }

                        ReturnQueue(queue);
                        if (!_ready.TryDequeue(out queue!))
                        {
                            _running--;
                            _slotPool.Push(slot);
                            SignalIdleIfNeeded();
                            return;
                        }
                    }
                    else if (_ready.Count > 0)
                    {
                        // Others wait for a slot: this key goes to the back of the line.
                        _ready.Enqueue(queue);
                        queue = _ready.Dequeue();
                    }

                    current = queue.Events.Dequeue();
                }

                slot.Renew();
                await _processor.ProcessAsync(current, slot);
            }
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _running--;
                if (ex is not OperationCanceledException || !(_stop.IsCancellationRequested || _stopped))
                {
                    _fault ??= ex;
                }

                // A stopped event is not done, and its key stays busy: nothing later of the key starts.

                SignalIdleIfNeeded();
            }

            slot.Dispose();
        }
    }

    private void SignalIdleIfNeeded()
    {
        if (_running == 0 && _idle is { } idle)
        {
            _idle = null;
            idle.TrySetResult();
        }
    }

    private KeyQueue RentQueue(string? key)
    {
        var queue = _queuePool.Count > 0 ? _queuePool.Pop() : new KeyQueue();
        queue.Key = key;
        return queue;
    }

    private void ReturnQueue(KeyQueue queue)
    {
        queue.Key = null;
        if (_queuePool.Count < 4096)
        {
            _queuePool.Push(queue);
        }
    }

    private sealed class KeyQueue
    {
        public string? Key;
        public readonly Queue<EventEnvelope> Events = new();
    }
}
