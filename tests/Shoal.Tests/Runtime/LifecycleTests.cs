using System.Collections.Concurrent;
using Xunit;

namespace Shoal.Tests.Runtime;

/// <summary>Drain, restart, commits and start position through the runtime on fake time.</summary>
public sealed class LifecycleTests
{
    private const string Topic = "orders";

    private static GroupOptions Group() => new()
    {
        Name = "g",
        Topic = Topic,
        CommitInterval = TimeSpan.FromHours(1),
        HandlerTimeout = Timeout.InfiniteTimeSpan,
    };

    private static HandlerRegistration Recording(Recorder recorder) => HandlerRegistration.For<Numbered>((e, ctx, ct) =>
    {
        recorder.Record(e);
        return ValueTask.CompletedTask;
    });

    [Fact]
    public async Task A_runtime_disposed_twice_does_not_throw()
    {
        // A container that owns the runtime and a node that owns it too both dispose it (hosting does).
        await using var engine = Runtimes.Engine();
        var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), Recording(new Recorder())));
        await shoal.StartAsync();

        await shoal.DisposeAsync();
        await shoal.DisposeAsync();
    }

    [Fact]
    public async Task Stop_waits_for_an_in_flight_handler_and_commits_its_offset()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowStarted = 0;
        var handler = HandlerRegistration.For<Numbered>(async (e, ctx, ct) =>
        {
            if (e.Key == "slow")
            {
                Interlocked.Increment(ref slowStarted);
                await gate.Task;
            }

            recorder.Record(e);
        });
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), handler) with { TimeProvider = clock });
        await shoal.StartAsync();
        await shoal.Publisher.PublishAsync(Topic, "fast", new Numbered("fast", 0));
        await shoal.Publisher.PublishAsync(Topic, "slow", new Numbered("slow", 0));
        await shoal.Publisher.PublishAsync(Topic, "fast", new Numbered("fast", 1));
        await Wait.UntilAsync(() => Volatile.Read(ref slowStarted) == 1 && recorder.Count == 2, "slow handler running, others done");

        var stop = shoal.StopAsync();
        await clock.WaitForTimerAsync(Group().DrainTimeout, "stop is draining (deadline armed)");
        Assert.False(stop.IsCompleted);
        gate.SetResult();
        await stop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(new[] { 0 }, recorder.Of("slow"));
        Assert.Equal(3, await Runtimes.CommittedAsync(engine, Topic, "g", 0));
    }

    [Fact]
    public async Task At_the_drain_deadline_unfinished_handlers_are_cancelled_uncommitted_and_redelivered_after_restart()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var cancelled = 0;
        var handler = HandlerRegistration.For<Numbered>(async (e, ctx, ct) =>
        {
            if (e.Key == "stuck")
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelled);
                    throw;
                }
            }

            recorder.Record(e);
        });
        var group = Group() with { DrainTimeout = TimeSpan.FromSeconds(5) };
        var first = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, group, handler) with { TimeProvider = clock });
        await first.StartAsync();
        var batch = new List<OutgoingEvent<Numbered>>();
        for (var s = 0; s < 5; s++)
        {
            batch.Add(new("a", new Numbered("a", s)));
            batch.Add(new("b", new Numbered("b", s)));
        }

        batch.Add(new("stuck", new Numbered("stuck", 0)));
        batch.Add(new("stuck", new Numbered("stuck", 1)));
        var published = await first.Publisher.PublishBatchAsync(Topic, batch);
        await Wait.UntilAsync(() => recorder.Count == 10 && first.GetProgress("g")[0].Processed == 10, "everything but the stuck key done");

        var stop = first.StopAsync();
        await clock.WaitForTimerAsync(TimeSpan.FromSeconds(5), "stop is draining (deadline armed)");
        clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.False(stop.IsCompleted);
        Assert.Equal(0, Volatile.Read(ref cancelled));
        clock.Advance(TimeSpan.FromTicks(1));
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        await first.DisposeAsync();

        Assert.Equal(1, Volatile.Read(ref cancelled));
        Assert.Equal(published[10].Offset, await Runtimes.CommittedAsync(engine, Topic, "g", 0));

        // A new node resumes at the committed offset: exactly the unfinished events come again.
        var again = new Recorder();
        var ids = new ConcurrentQueue<string>();
        var redelivery = HandlerRegistration.For<Numbered>((e, ctx, ct) =>
        {
            ids.Enqueue(ctx.Id);
            again.Record(e);
            return ValueTask.CompletedTask;
        });
        await using var second = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), redelivery) with { TimeProvider = new TestClock(), RandomSeed = 43 });
        await second.StartAsync();
        await Wait.UntilAsync(() => second.GetProgress("g")[0].Processed == 12, "redelivered events processed");
        Assert.Equal(new[] { 0, 1 }, again.Of("stuck"));
        Assert.Equal(2, again.Count);
        Assert.Equal(new[] { published[10].Id, published[11].Id }, ids);
    }

    [Fact]
    public async Task A_handler_that_ignores_its_token_holds_a_stop_for_two_drain_timeouts_at_most()
    {
        // A hand-over stops its partition this way; a stop that waited for such a handler forever stalled the member's
        // rebalance loop (docs/testing.md). After the drain deadline the handler is cancelled; if it ignores that too,
        // the stop gives up after one more drain timeout and commits only what finished.
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var ignore = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = HandlerRegistration.For<Numbered>(async (e, ctx, ct) =>
        {
            if (e.Key == "deaf")
            {
                await ignore.Task; // no token
            }

            recorder.Record(e);
        });
        var group = Group() with { DrainTimeout = TimeSpan.FromSeconds(5) };
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, group, handler) with { TimeProvider = clock });
        await shoal.StartAsync();
        var published = await shoal.Publisher.PublishBatchAsync<Numbered>(Topic, [new("a", new Numbered("a", 0)), new("deaf", new Numbered("deaf", 0)), new("a", new Numbered("a", 1))]);
        await Wait.UntilAsync(() => recorder.Count == 2, "everything but the deaf key done");

        try
        {
            var stop = shoal.StopAsync();
            await clock.WaitForTimerAsync(TimeSpan.FromSeconds(5), "stop is draining (deadline armed)");
            clock.Advance(TimeSpan.FromSeconds(5));
            await clock.WaitForTimerAsync(TimeSpan.FromSeconds(5), "stop waits a bounded time after cancelling");
            Assert.False(stop.IsCompleted);
            clock.Advance(TimeSpan.FromSeconds(5));
            await stop.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(published[1].Offset, await Runtimes.CommittedAsync(engine, Topic, "g", 0));
        }
        finally
        {
            ignore.TrySetResult(); // so a failing run still disposes
        }
    }

    [Fact]
    public async Task A_restart_resumes_from_the_committed_offset_without_re_handling()
    {
        await using var engine = Runtimes.Engine();
        var before = new Recorder();
        await using (var first = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 3, Group(), Recording(before))))
        {
            await first.StartAsync();
            for (var s = 0; s < 10; s++)
            {
                await first.Publisher.PublishAsync(Topic, $"key-{s % 4}", new Numbered($"key-{s % 4}", s));
            }

            await Wait.UntilAsync(() => before.Count == 10, "first node handled everything");
            await first.StopAsync();
        }

        var after = new Recorder();
        await using var second = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 3, Group(), Recording(after)) with { RandomSeed = 43 });
        await second.StartAsync();
        for (var s = 10; s < 15; s++)
        {
            await second.Publisher.PublishAsync(Topic, $"key-{s % 4}", new Numbered($"key-{s % 4}", s));
        }

        await Wait.UntilAsync(() => after.Count >= 5, "second node handled the new events");
        await second.StopAsync();
        Assert.Equal(5, after.Count);
        Assert.Equal(Enumerable.Range(10, 5), after.Keys.SelectMany(after.Of).Order());
        for (var p = 0; p < 3; p++)
        {
            var offsets = await engine.Log.GetOffsetsAsync(Topic, p);
            Assert.Equal(offsets.End, await Runtimes.CommittedAsync(engine, Topic, "g", p));
        }
    }

    [Fact]
    public async Task The_watermark_is_committed_every_commit_interval_without_a_stop()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var group = Group() with { CommitInterval = TimeSpan.FromSeconds(10) };
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, group, Recording(recorder)) with { TimeProvider = clock });
        await shoal.StartAsync();
        for (var s = 0; s < 5; s++)
        {
            await shoal.Publisher.PublishAsync(Topic, "k", new Numbered("k", s));
        }

        await Wait.UntilAsync(() => shoal.GetProgress("g")[0].Processed == 5, "all processed");
        await Wait.UntilAsync(() => clock.HasPeriodic(TimeSpan.FromSeconds(10)), "commit timer armed");
        Assert.Equal(0, await Runtimes.CommittedAsync(engine, Topic, "g", 0));
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, await Runtimes.CommittedAsync(engine, Topic, "g", 0));
        clock.Advance(TimeSpan.FromSeconds(1));
        await Wait.UntilAsync(async () => await Runtimes.CommittedAsync(engine, Topic, "g", 0) == 5, "committed by the periodic commit");
        Assert.Equal(5, shoal.GetProgress("g")[0].Committed);

        await shoal.Publisher.PublishAsync(Topic, "k", new Numbered("k", 5));
        await Wait.UntilAsync(() => shoal.GetProgress("g")[0].Processed == 6, "the next event processed");
        clock.Advance(TimeSpan.FromSeconds(10));
        await Wait.UntilAsync(async () => await Runtimes.CommittedAsync(engine, Topic, "g", 0) == 6, "committed at the next tick");
    }

    [Fact]
    public async Task Start_position_latest_skips_events_published_before_the_group_started()
    {
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var group = Group() with { StartPosition = StartPosition.Latest };
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 2, group, Recording(recorder)));
        await engine.Log.CreateTopicAsync(new TopicOptions { Name = Topic, Partitions = 2 });
        for (var s = 0; s < 5; s++)
        {
            await shoal.Publisher.PublishAsync(Topic, $"key-{s}", new Numbered($"key-{s}", s));
        }

        await shoal.StartAsync();
        for (var s = 5; s < 8; s++)
        {
            await shoal.Publisher.PublishAsync(Topic, $"key-{s}", new Numbered($"key-{s}", s));
        }

        await Wait.UntilAsync(() => shoal.GetProgress("g").Sum(p => p.Processed) == 8, "the new events processed");
        Assert.Equal(3, recorder.Count);
        Assert.Equal(new[] { 5, 6, 7 }, recorder.Keys.SelectMany(recorder.Of).Order());
    }

    [Fact]
    public async Task One_partition_runs_different_keys_in_parallel()
    {
        await using var engine = Runtimes.Engine();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = 0;
        var maxRunning = 0;
        var handler = HandlerRegistration.For<Numbered>(async (e, ctx, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            await gate.Task.WaitAsync(ct);
            Interlocked.Decrement(ref running);
        });
        var group = Group() with { MaxConcurrency = 16, DrainTimeout = TimeSpan.Zero };
        await using var shoal = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, group, handler));
        await shoal.StartAsync();
        var batch = Enumerable.Range(0, 64).Select(i => new OutgoingEvent<Numbered>($"key-{i % 32}", new Numbered($"key-{i % 32}", i))).ToList();
        await shoal.Publisher.PublishBatchAsync(Topic, batch);

        await Wait.UntilAsync(() => Volatile.Read(ref running) == 16, "16 keys of one partition running at once");
        Assert.Equal(16, Volatile.Read(ref maxRunning));
        gate.SetResult();
        await Wait.UntilAsync(() => shoal.GetProgress("g")[0].Processed == 64, "all processed");
        Assert.Equal(16, Volatile.Read(ref maxRunning));
    }

    private static void InterlockedMax(ref int location, int value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
