using Shoal.Engine;
using Xunit;

namespace Shoal.Tests.Runtime;

/// <summary>
/// What the next owner of a partition handles again. A graceful stop causes no redelivery of finished events, even
/// when an earlier event is unfinished (still retrying) or the stop's commit first fails; after a crash, what the last
/// commit recorded as done is not handled again. The scenarios of chaos seeds 2077, 4413 and 9133.
/// </summary>
public sealed class HandOverTests
{
    private const string Topic = "orders";

    private static GroupOptions Group() => new()
    {
        Name = "g",
        Topic = Topic,
        CommitInterval = TimeSpan.FromHours(1),
        HandlerTimeout = Timeout.InfiniteTimeSpan,
        DrainTimeout = TimeSpan.FromSeconds(5),
        Retry = new RetryOptions { MaxAttempts = 100, InitialBackoff = TimeSpan.FromHours(1), MaxBackoff = TimeSpan.FromHours(1) },
    };

    /// <summary>"failing" keeps failing (and waits an hour before each retry); every other key is recorded.</summary>
    private static HandlerRegistration FailingOrRecording(Recorder recorder, Func<bool> failing) => HandlerRegistration.For<Numbered>((e, ctx, ct) =>
    {
        if (e.Key == "failing" && failing())
        {
            throw new InvalidOperationException("still failing");
        }

        recorder.Record(e);
        return ValueTask.CompletedTask;
    });

    /// <summary>failing#0 first, then a#0..4 and b#0..4, then failing#1 (which waits behind failing#0).</summary>
    private static async Task<PublishResult[]> PublishAsync(ShoalRuntime shoal)
    {
        var batch = new List<OutgoingEvent<Numbered>> { new("failing", new Numbered("failing", 0)) };
        for (var s = 0; s < 5; s++)
        {
            batch.Add(new("a", new Numbered("a", s)));
            batch.Add(new("b", new Numbered("b", s)));
        }

        batch.Add(new("failing", new Numbered("failing", 1)));
        return await shoal.Publisher.PublishBatchAsync(Topic, batch);
    }

    /// <summary>A second node on the same engine, whose handler never fails: it records what it is given.</summary>
    private static async Task<Recorder> NextOwnerHandlesAsync(IShoalEngine engine, int expected)
    {
        var again = new Recorder();
        await using var next = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), FailingOrRecording(again, () => false)) with { RandomSeed = 43 });
        await next.StartAsync();
        await Wait.UntilAsync(() => next.GetProgress("g")[0].Processed == expected, "the next owner reached the end");
        await next.StopAsync();
        return again;
    }

    [Fact]
    public async Task A_graceful_stop_with_an_event_still_retrying_commits_what_finished_after_it_and_the_next_owner_skips_that()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var attempts = 0;
        var first = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), FailingOrRecording(recorder, () => Interlocked.Increment(ref attempts) > 0)) with { TimeProvider = clock });
        await first.StartAsync();
        var published = await PublishAsync(first);
        await Wait.UntilAsync(() => recorder.Count == 10 && Volatile.Read(ref attempts) == 1, "a and b handled, failing#0 failed once");

        // No handler call runs (failing#0 waits an hour for its retry), so the stop ends without moving the clock.
        await first.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await first.DisposeAsync();

        var committed = await CommittedAsync(engine);
        Assert.Equal(published[0].Offset, committed.Offset);
        Assert.Equal(10, committed.DoneCount);

        var again = await NextOwnerHandlesAsync(engine, expected: published.Length);
        Assert.Equal([0, 1], again.Of("failing"));
        Assert.Empty(again.Of("a"));
        Assert.Empty(again.Of("b"));
    }

    [Fact]
    public async Task The_last_commit_of_a_graceful_stop_is_retried_after_an_engine_error()
    {
        var clock = new TestClock();
        var store = new FlakyUpdatesEngine(Runtimes.Engine(), CoordinationKeys.OffsetsRoot);
        await using var engine = store;
        var recorder = new Recorder();
        var first = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, Group(), FailingOrRecording(recorder, () => false)) with { TimeProvider = clock });
        await first.StartAsync();
        var published = await PublishAsync(first);
        await Wait.UntilAsync(() => recorder.Count == published.Length, "everything handled");

        store.FailNextUpdates(1);
        var stop = first.StopAsync();
        await clock.RunUntilAsync(() => stop.IsCompleted, "the stop retried its last commit (on the clock) and finished");
        await stop;
        await first.DisposeAsync();

        Assert.Equal(1, store.Failed);
        Assert.Equal(published.Length, (await CommittedAsync(engine)).Offset);
        var again = await NextOwnerHandlesAsync(engine, expected: published.Length);
        Assert.Equal(0, again.Count);
    }

    [Fact]
    public async Task After_a_crash_the_next_owner_skips_what_the_last_periodic_commit_recorded_as_done()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine();
        var recorder = new Recorder();
        var group = Group() with { CommitInterval = TimeSpan.FromSeconds(1) };
        var crashed = ShoalRuntime.Create(engine, Runtimes.Options(Topic, 1, group, FailingOrRecording(recorder, () => true)) with { TimeProvider = clock });
        try
        {
            await crashed.StartAsync();
            var published = await PublishAsync(crashed);
            await Wait.UntilAsync(() => recorder.Count == 10, "a and b handled, failing#0 retrying");
            await Wait.UntilAsync(() => clock.HasPeriodic(TimeSpan.FromSeconds(1)), "commit timer armed");
            clock.Advance(TimeSpan.FromSeconds(1));
            await Wait.UntilAsync(async () => (await CommittedAsync(engine)).DoneCount == 10, "the periodic commit recorded a and b as done");

            // The first node is never heard of again (its clock stands still: no retry, no commit): a crash.
            var again = await NextOwnerHandlesAsync(engine, expected: published.Length);
            Assert.Equal([0, 1], again.Of("failing"));
            Assert.Equal(2, again.Count);
        }
        finally
        {
            // failing#0 waits for its retry, no handler call runs: the stop ends without moving the clock.
            await crashed.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
            await crashed.DisposeAsync();
        }
    }

    private static async Task<CommittedOffset> CommittedAsync(IShoalEngine engine)
    {
        var entry = await engine.Coordination.GetAsync(CoordinationKeys.Offset(Topic, "g", 0));
        Assert.True(entry is not null && CommittedOffset.TryDecode(entry.Value.Value.Span, out var committed), "no committed offset record");
        CommittedOffset.TryDecode(entry.Value.Value.Span, out committed);
        return committed;
    }
}
