using CsCheck;
using Shoal.Processing;
using Xunit;

namespace Shoal.Tests.Runtime;

/// <summary>
/// The dispatcher driven by a processor whose events finish only when the test releases them. With no
/// synchronization context, a release runs the dispatcher's continuation inline, so every test is single-threaded
/// and deterministic.
/// </summary>
public sealed class KeyOrderedDispatcherTests
{
    [Fact]
    public void Per_key_fifo_concurrency_limit_and_watermark_hold_for_any_interleaving()
    {
        var gen = Gen.Select(Gen.Int[1, 8], Gen.Int[1, 120], Gen.Int[1, 10], Gen.Int[0, 100], Gen.Int);
        gen.Sample(
            (keyCount, eventCount, maxConcurrency, syncPercent, seed) => WithoutSynchronizationContext(() =>
            {
                var random = new Random(seed);
                var keys = Enumerable.Range(0, eventCount).Select(_ => "k" + random.Next(keyCount)).ToArray();
                var synchronous = Enumerable.Range(0, eventCount).Select(_ => random.Next(100) < syncPercent).ToArray();
                var processor = new ControlledProcessor { CompleteSynchronously = e => synchronous[e.Offset] };
                var tracker = new OffsetTracker(eventCount, 0);
                using var dispatcher = new KeyOrderedDispatcher(processor, tracker, maxConcurrency, TimeProvider.System, CancellationToken.None);
                var dispatched = 0;
                while (dispatched < eventCount || processor.PendingCount > 0)
                {
                    if (dispatched < eventCount && (processor.PendingCount == 0 || random.Next(2) == 0))
                    {
                        dispatcher.Dispatch(Event(keys[dispatched], dispatched));
                        dispatched++;
                    }
                    else
                    {
                        processor.Release(random.Next(processor.PendingCount));
                    }

                    // Work-conserving and bounded: exactly min(limit, keys with unfinished events) handlers run.
                    var activeKeys = processor.UnfinishedKeys(keys, dispatched);
                    Assert.Equal(Math.Min(maxConcurrency, activeKeys), processor.Running);
                    Assert.Equal(processor.Running, dispatcher.Running);
                    Assert.Equal(processor.LowestNotDone(dispatched), tracker.Watermark);
                }

                Assert.Empty(processor.Violations);
                Assert.True(processor.MaxRunning <= maxConcurrency);
                Assert.Equal(eventCount, tracker.Watermark);
                Assert.True(dispatcher.WhenIdleAsync().IsCompletedSuccessfully);
                Assert.Null(dispatcher.Fault);
                foreach (var key in keys.Distinct())
                {
                    var expected = Enumerable.Range(0, eventCount).Where(i => keys[i] == key).Select(i => (long)i);
                    Assert.Equal(expected, processor.Started.Where(e => e.Key == key).Select(e => e.Offset));
                }
            }),
            iter: 400);
    }

    [Fact]
    public void Different_keys_run_concurrently_up_to_the_limit_and_never_more()
    {
        WithoutSynchronizationContext(() =>
        {
            var processor = new ControlledProcessor();
            var tracker = new OffsetTracker(64, 0);
            using var dispatcher = new KeyOrderedDispatcher(processor, tracker, maxConcurrency: 4, TimeProvider.System, CancellationToken.None);
            for (var i = 0; i < 60; i++)
            {
                dispatcher.Dispatch(Event("k" + (i % 20), i));
            }

            Assert.Equal(4, processor.Running);
            Assert.Equal(4, dispatcher.Running);
            while (processor.PendingCount > 0)
            {
                processor.Release(processor.PendingCount - 1);
                Assert.True(processor.Running <= 4);
            }

            Assert.Equal(4, processor.MaxRunning);
            Assert.Equal(60, processor.Started.Count);
            Assert.Equal(60, tracker.Watermark);
            Assert.Empty(processor.Violations);
        });
    }

    [Fact]
    public void One_partition_runs_many_keys_in_parallel()
    {
        WithoutSynchronizationContext(() =>
        {
            var processor = new ControlledProcessor();
            var tracker = new OffsetTracker(64, 0);
            using var dispatcher = new KeyOrderedDispatcher(processor, tracker, maxConcurrency: 64, TimeProvider.System, CancellationToken.None);
            for (var i = 0; i < 32; i++)
            {
                dispatcher.Dispatch(Event("k" + i, i));
            }

            // One partition, one fetch loop, 32 handlers in flight at once.
            Assert.Equal(32, processor.Running);
            processor.ReleaseAll();
            Assert.Equal(32, tracker.Watermark);
        });
    }

    [Fact]
    public void A_hot_key_does_not_starve_a_key_waiting_for_a_slot()
    {
        WithoutSynchronizationContext(() =>
        {
            var processor = new ControlledProcessor();
            var tracker = new OffsetTracker(256, 0);
            using var dispatcher = new KeyOrderedDispatcher(processor, tracker, maxConcurrency: 2, TimeProvider.System, CancellationToken.None);
            var offset = 0;
            for (var i = 0; i < 50; i++)
            {
                dispatcher.Dispatch(Event("hot-a", offset++));
                dispatcher.Dispatch(Event("hot-b", offset++));
            }

            dispatcher.Dispatch(Event("cold", offset++));
            Assert.Equal(["hot-a", "hot-b"], processor.Started.Select(e => e.Key));

            // hot-a finishes its first event: it still has 49 queued, but cold has waited longer and goes first.
            processor.Release(processor.IndexOf("hot-a"));
            Assert.Equal("cold", processor.Started[^1].Key);
            Assert.Equal(3, processor.Started.Count);

            // hot-b finishes: hot-a (queued behind cold) comes back before hot-b runs again.
            processor.Release(processor.IndexOf("hot-b"));
            Assert.Equal("hot-a", processor.Started[^1].Key);
            processor.ReleaseAll();
            Assert.Equal(offset, tracker.Watermark);
            Assert.Empty(processor.Violations);
        });
    }

    [Fact]
    public void Synchronous_completions_advance_the_watermark_inline()
    {
        WithoutSynchronizationContext(() =>
        {
            var processor = new ControlledProcessor { CompleteSynchronously = _ => true };
            var tracker = new OffsetTracker(16, 0);
            using var dispatcher = new KeyOrderedDispatcher(processor, tracker, maxConcurrency: 1, TimeProvider.System, CancellationToken.None);
            for (var i = 0; i < 100; i++)
            {
                dispatcher.Dispatch(Event("k" + (i % 3), i));
                Assert.Equal(i + 1, tracker.Watermark);
                Assert.Equal(0, dispatcher.Running);
            }

            Assert.Equal(0, processor.PendingCount);
            Assert.True(dispatcher.WhenIdleAsync().IsCompletedSuccessfully);
        });
    }

    [Fact]
    public void When_idle_completes_once_the_last_running_handler_finishes()
    {
        WithoutSynchronizationContext(() =>
        {
            var processor = new ControlledProcessor();
            var tracker = new OffsetTracker(16, 0);
            using var dispatcher = new KeyOrderedDispatcher(processor, tracker, maxConcurrency: 8, TimeProvider.System, CancellationToken.None);
            Assert.True(dispatcher.WhenIdleAsync().IsCompletedSuccessfully);

            dispatcher.Dispatch(Event("a", 0));
            dispatcher.Dispatch(Event("a", 1));
            dispatcher.Dispatch(Event("b", 2));
            var idle = dispatcher.WhenIdleAsync();
            Assert.False(idle.IsCompleted);

            processor.Release(processor.IndexOf("b"));
            Assert.False(idle.IsCompleted);
            processor.Release(processor.IndexOf("a"));
            Assert.False(idle.IsCompleted); // a's second event runs now
            processor.Release(processor.IndexOf("a"));
            Assert.True(idle.IsCompletedSuccessfully);
            Assert.Equal(3, tracker.Watermark);
        });
    }

    [Fact]
    public void Wait_for_watermark_completes_when_out_of_order_completions_close_the_gap()
    {
        WithoutSynchronizationContext(() =>
        {
            var processor = new ControlledProcessor();
            var tracker = new OffsetTracker(16, 0);
            using var dispatcher = new KeyOrderedDispatcher(processor, tracker, maxConcurrency: 8, TimeProvider.System, CancellationToken.None);
            for (var i = 0; i < 4; i++)
            {
                dispatcher.Dispatch(Event("k" + i, i));
            }

            var wait = dispatcher.WaitForWatermark(4);
            Assert.NotNull(wait);
            processor.Release(processor.IndexOf("k3"));
            processor.Release(processor.IndexOf("k1"));
            processor.Release(processor.IndexOf("k2"));
            Assert.Equal(0, tracker.Watermark);
            Assert.False(wait.IsCompleted);
            processor.Release(processor.IndexOf("k0"));
            Assert.Equal(4, tracker.Watermark);
            Assert.True(wait.IsCompletedSuccessfully);
        });
    }

    private static EventEnvelope Event(string key, long offset) =>
        new EventEnvelope($"id-{offset}", "t", key, "numbered", ReadOnlyMemory<byte>.Empty) with { Partition = 0, Offset = offset };

    private static void WithoutSynchronizationContext(Action test)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            test();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }
}

/// <summary>A processor whose events complete when the test says so (or at once, if chosen), recording what ran.</summary>
internal sealed class ControlledProcessor : IEventProcessor
{
    private readonly Lock _gate = new();
    private readonly List<(EventEnvelope Event, TaskCompletionSource Done)> _pending = [];
    private readonly HashSet<string> _runningKeys = new(StringComparer.Ordinal);
    private readonly HashSet<long> _done = [];
    private readonly Dictionary<string, long> _lastStarted = new(StringComparer.Ordinal);

    public Func<EventEnvelope, bool> CompleteSynchronously { get; init; } = _ => false;

    public List<EventEnvelope> Started { get; } = [];

    public List<string> Violations { get; } = [];

    public int Running { get; private set; }

    public int MaxRunning { get; private set; }

    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    public ValueTask ProcessAsync(EventEnvelope envelope, HandlerSlot slot)
    {
        lock (_gate)
        {
            Started.Add(envelope);
            var key = envelope.Key!;
            if (!_runningKeys.Add(key))
            {
                Violations.Add($"key {key} ran offset {envelope.Offset} while another of its events was running");
            }

            if (_lastStarted.TryGetValue(key, out var last) && last >= envelope.Offset)
            {
                Violations.Add($"key {key} ran offset {envelope.Offset} after {last}");
            }

            _lastStarted[key] = envelope.Offset;
            Running++;
            MaxRunning = Math.Max(MaxRunning, Running);
            if (CompleteSynchronously(envelope))
            {
                Finish(envelope);
                return ValueTask.CompletedTask;
            }

            var done = new TaskCompletionSource();
            _pending.Add((envelope, done));
            return new ValueTask(done.Task);
        }
    }

    public int IndexOf(string key)
    {
        lock (_gate)
        {
            return _pending.FindIndex(p => p.Event.Key == key);
        }
    }

    /// <summary>Finishes the pending event at <paramref name="index"/>; the dispatcher's continuation runs inline.</summary>
    public void Release(int index)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            var (envelope, tcs) = _pending[index];
            _pending.RemoveAt(index);
            Finish(envelope);
            done = tcs;
        }

        done.SetResult();
    }

    public void ReleaseAll()
    {
        while (PendingCount > 0)
        {
            Release(0);
        }
    }

    /// <summary>How many distinct keys have a dispatched event that is not done.</summary>
    public int UnfinishedKeys(string[] keys, int dispatched)
    {
        lock (_gate)
        {
            return Enumerable.Range(0, dispatched).Where(i => !_done.Contains(i)).Select(i => keys[i]).Distinct().Count();
        }
    }

    public long LowestNotDone(int dispatched)
    {
        lock (_gate)
        {
            long offset = 0;
            while (offset < dispatched && _done.Contains(offset))
            {
                offset++;
            }

            return offset;
        }
    }

    private void Finish(EventEnvelope envelope)
    {
        Running--;
        _runningKeys.Remove(envelope.Key!);
        _done.Add(envelope.Offset);
    }
}
