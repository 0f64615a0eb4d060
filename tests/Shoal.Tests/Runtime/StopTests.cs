using System.Collections.Concurrent;
using Shoal.Engine;
using Xunit;

namespace Shoal.Tests.Runtime;

/// <summary>
/// A graceful stop (of the node, or a hand-over of one partition) starts nothing more: it waits only for the handler
/// calls already running, then commits the watermark with the finished offsets above it. What was fetched but not
/// started is the next owner's, which handles exactly that: nothing finished again, nothing lost, each key in order.
/// On fake time: the drain deadline never passes unless the test moves the clock.
/// </summary>
public sealed class StopTests
{
    private const string Topic = "orders";
    private static readonly string[] Keys = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"];

    private static GroupOptions Group(PartitionOwnership ownership) => new()
    {
        Name = "g",
        Topic = Topic,
        PartitionOwnership = ownership,
        MaxConcurrency = 4,
        CommitInterval = TimeSpan.FromHours(1),
        HandlerTimeout = Timeout.InfiniteTimeSpan,
        DrainTimeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>
    /// k0#0 and k0#1 first (offsets 0, 1), then k1..k7 #0..#3, then k0#2 and k0#3: with four handler slots, k0#0, k1#0,
    /// k2#0 and k3#0 (offsets 0, 2, 3, 4) start, k0#1 waits behind k0#0, the other keys wait for a slot.
    /// </summary>
    private static List<OutgoingEvent<Numbered>> Backlog()
    {
        var batch = new List<OutgoingEvent<Numbered>> { new("k0", new Numbered("k0", 0)), new("k0", new Numbered("k0", 1)) };
        for (var s = 0; s < 4; s++)
        {
            batch.AddRange(Keys.Skip(1).Select(k => new OutgoingEvent<Numbered>(k, new Numbered(k, s))));
        }

        batch.Add(new("k0", new Numbered("k0", 2)));
        batch.Add(new("k0", new Numbered("k0", 3)));
        return batch;
    }

    private static readonly (string Key, int Sequence)[] FirstFour = [("k0", 0), ("k1", 0), ("k2", 0), ("k3", 0)];

    /// <summary>Each call waits until the test releases its event (or its token is cancelled), then records it.</summary>
    private sealed class BlockingHandler
    {
        private readonly ConcurrentDictionary<(string, int), TaskCompletionSource> _gates = new();
        private readonly ConcurrentQueue<(string Key, int Sequence)> _started = new();
        private bool _open;

        public Recorder Finished { get; } = new();

        public int Cancelled;

        public IReadOnlyList<(string Key, int Sequence)> Started => [.. _started];

        public HandlerRegistration Registration => HandlerRegistration.For<Numbered>(async (e, ctx, ct) =>
        {
            _started.Enqueue((e.Key, e.Sequence));
            try
            {
                await Gate(e.Key, e.Sequence).Task.WaitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref Cancelled);
                throw;
            }

            Finished.Record(e);
        });

        public void Release(string key, int sequence) => Gate(key, sequence).TrySetResult();

        /// <summary>Releases every event, those that start later too.</summary>
        public void ReleaseAll()
        {
            Volatile.Write(ref _open, true);
            foreach (var gate in _gates.Values)
            {
                gate.TrySetResult();
            }
        }

        private TaskCompletionSource Gate(string key, int sequence)
        {
            var gate = _gates.GetOrAdd((key, sequence), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (Volatile.Read(ref _open))
            {
                gate.TrySetResult();
            }

            return gate;
        }
    }

    private sealed class LeaseHolder : IPartitionLeaseHolder
    {
        public void OnPartitionFenced(string group, int partition, long epoch)
        {
        }
    }

    /// <summary>The first owner with four handlers running over a fetched backlog; partition 0 taken under epoch 1 on a hand-over.</summary>
    private static async Task<(ShoalRuntime Runtime, PublishResult[] Published)> StartBlockedAsync(IShoalEngine engine, TestClock clock, BlockingHandler handler, bool handOver)
    {
        var ownership = handOver ? PartitionOwnership.Assigned : PartitionOwnership.All;
        var first = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(ownership), handler.Registration) with { TimeProvider = clock });
        await first.StartAsync();
        if (handOver)
        {
            await first.GetGroup("g").StartPartitionAsync(0, epoch: 1, new LeaseHolder());
        }

        var published = await first.Publisher.PublishBatchAsync(Topic, Backlog());
        await Wait.UntilAsync(() => handler.Started.Count == 4, "four handlers running");
        Assert.Equal(FirstFour, handler.Started.Order());
        return (first, published);
    }

    private static Task StopAsync(ShoalRuntime runtime, bool handOver) =>
        handOver ? runtime.GetGroup("g").StopPartitionAsync(0) : runtime.StopAsync();

    /// <summary>
    /// A second node on the same engine (taking partition 0 under epoch 2 on a hand-over) records all it handles, and
    /// the attempt number of each call in <paramref name="attempts"/> when given.
    /// </summary>
    private static async Task<Recorder> NextOwnerHandlesAsync(IShoalEngine engine, bool handOver, int expected, ConcurrentQueue<int>? attempts = null)
    {
        var again = new Recorder();
        var recording = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            again.Record(e);
            attempts?.Enqueue(ctx.Attempt);
            return ValueTask.CompletedTask;
        });
        var ownership = handOver ? PartitionOwnership.Assigned : PartitionOwnership.All;
        await using var next = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(ownership), recording) with { RandomSeed = 43 });
        await next.StartAsync();
        if (handOver)
        {
            await next.GetGroup("g").StartPartitionAsync(0, epoch: 2, new LeaseHolder());
        }

        await Wait.UntilAsync(() => next.GetGroup("g").Partitions is [{ Processed: var processed }] && processed == expected, "the next owner reached the end");
        await next.StopAsync();
        return again;
    }

    private static async Task<CommittedOffset> CommittedAsync(IShoalEngine engine)
    {
        var entry = await engine.Coordination.GetAsync(CoordinationKeys.Offset(Topic, "g", 0));
        Assert.True(entry is not null, "no committed offset record");
        Assert.True(CommittedOffset.TryDecode(entry.Value.Value.Span, out var committed), "the committed offset record does not decode");
        return committed;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stop_waits_only_for_the_running_handlers_and_the_next_owner_handles_exactly_the_rest(bool handOver)
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var handler = new BlockingHandler();
        var (first, published) = await StartBlockedAsync(engine, clock, handler, handOver);
        try
        {
            var stop = StopAsync(first, handOver);
            await clock.WaitForTimerAsync(TimeSpan.FromSeconds(30), "the stop waits for the running handlers (deadline armed)");
            Assert.False(stop.IsCompleted);
            foreach (var (key, sequence) in FirstFour)
            {
                handler.Release(key, sequence);
            }

            // No clock move: the stop ends when the four running calls end, with 28 fetched events never started.
            await stop.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(FirstFour, handler.Started.Order());
            Assert.Equal(4, handler.Finished.Count);
            Assert.Equal(0, Volatile.Read(ref handler.Cancelled));
        }
        finally
        {
            handler.ReleaseAll(); // so a failing run still disposes
            await first.DisposeAsync();
        }

        // Offsets 0, 2, 3, 4 finished; k0#1 at offset 1 did not start: the watermark stops at 1, the rest is recorded done.
        var committed = await CommittedAsync(engine);
        Assert.Equal(published[1].Offset, committed.Offset);
        Assert.Equal([new OffsetRange(published[2].Offset, published[5].Offset)], committed.Done);

        var again = await NextOwnerHandlesAsync(engine, handOver, expected: published.Length);
        Assert.Equal(published.Length - 4, again.Count);
        Assert.Equal([1, 2, 3], again.Of("k0"));
        foreach (var key in Keys.Skip(1))
        {
            int[] expected = key is "k1" or "k2" or "k3" ? [1, 2, 3] : [0, 1, 2, 3];
            Assert.Equal(expected, again.Of(key));
        }
    }

    /// <summary>
    /// failing#0 fails its first attempt and waits 10 s (on the fake clock, which never moves) for its retry; a#0..2
    /// are handled; failing#1 and failing#2 wait behind failing#0. No handler call runs when the stop begins, so the
    /// stop ends at once: the retrying event is not done (nor dead-lettered), and the next owner handles the whole key
    /// in order, starting again at attempt 1 (attempts are counted per owner).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stop_does_not_wait_for_a_retry_backoff_and_the_next_owner_handles_the_retrying_key_in_order(bool handOver)
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var calls = new ConcurrentQueue<(string Key, int Sequence, int Attempt)>();
        var failingFirstAttempts = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            calls.Enqueue((e.Key, e.Sequence, ctx.Attempt));
            return e.Key == "failing" ? throw new InvalidOperationException("fails until the backoff passes") : ValueTask.CompletedTask;
        });
        var ownership = handOver ? PartitionOwnership.Assigned : PartitionOwnership.All;
        var group = Group(ownership) with
        {
            Retry = new RetryOptions { MaxAttempts = 3, InitialBackoff = TimeSpan.FromSeconds(10), MaxBackoff = TimeSpan.FromSeconds(10), Jitter = 0 },
        };
        var first = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, group, failingFirstAttempts) with { TimeProvider = clock });
        PublishResult[] published;
        Task? stop = null;
        try
        {
            await first.StartAsync();
            if (handOver)
            {
                await first.GetGroup("g").StartPartitionAsync(0, epoch: 1, new LeaseHolder());
            }

            var batch = new List<OutgoingEvent<Numbered>>();
            for (var s = 0; s < 3; s++)
            {
                batch.Add(new("failing", new Numbered("failing", s)));
                batch.Add(new("a", new Numbered("a", s)));
            }

            published = await first.Publisher.PublishBatchAsync(Topic, batch);
            await Wait.UntilAsync(() => calls.Count == 4, "failing#0 failed once, a#0..2 handled");
            await clock.WaitForTimerAsync(TimeSpan.FromSeconds(10), "failing#0 waits 10 s for its retry");

            // No clock move: the stop must not wait for the backoff (nor for the drain deadline: no handler runs).
            stop = StopAsync(first, handOver);
            await stop.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal([("failing", 0, 1), ("a", 0, 1), ("a", 1, 1), ("a", 2, 1)], calls.OrderBy(c => c.Key == "a").ThenBy(c => c.Sequence));
            Assert.Equal((3, 1), first.GetGroup("g").Counts);
        }
        finally
        {
            if (stop is { IsCompleted: false })
            {
                clock.Advance(TimeSpan.FromSeconds(30)); // so a failing run still stops and disposes
            }

            await first.DisposeAsync();
        }

        // failing#0 is neither done nor dead-lettered: the watermark stays at it, a#0..2 above it are recorded done.
        Assert.Equal(0, await Runtimes.CountAsync(engine, $"{Topic}.g.dlq"));
        var committed = await CommittedAsync(engine);
        Assert.Equal(published[0].Offset, committed.Offset);
        Assert.Equal(3, committed.DoneCount);

        var attempts = new ConcurrentQueue<int>();
        var again = await NextOwnerHandlesAsync(engine, handOver, expected: published.Length, attempts);
        Assert.Equal([0, 1, 2], again.Of("failing"));
        Assert.Empty(again.Of("a"));
        Assert.Equal([1, 1, 1], attempts);
    }

    [Fact]
    public async Task At_the_drain_deadline_a_running_handler_is_cancelled_and_nothing_else_started()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var handler = new BlockingHandler();
        var (first, published) = await StartBlockedAsync(engine, clock, handler, handOver: false);
        try
        {
            var stop = first.StopAsync();
            await clock.WaitForTimerAsync(TimeSpan.FromSeconds(30), "the stop waits for the running handlers (deadline armed)");
            handler.Release("k1", 0);
            handler.Release("k2", 0);
            handler.Release("k3", 0);
            await Wait.UntilAsync(() => handler.Finished.Count == 3, "three of the four running handlers finished");
            Assert.False(stop.IsCompleted);

            clock.Advance(TimeSpan.FromSeconds(30));
            await stop.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(1, Volatile.Read(ref handler.Cancelled));
            Assert.Equal(FirstFour, handler.Started.Order());
        }
        finally
        {
            handler.ReleaseAll();
            await first.DisposeAsync();
        }

        // k0#0 was cancelled, so it is not done: the watermark stays at it, k1#0..k3#0 are recorded done.
        var committed = await CommittedAsync(engine);
        Assert.Equal(published[0].Offset, committed.Offset);
        Assert.Equal([new OffsetRange(published[2].Offset, published[5].Offset)], committed.Done);

        var again = await NextOwnerHandlesAsync(engine, handOver: false, expected: published.Length);
        Assert.Equal(published.Length - 3, again.Count);
        Assert.Equal([0, 1, 2, 3], again.Of("k0"));
        Assert.Equal([1, 2, 3], again.Of("k1"));
    }
}
