using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Cluster;

public sealed class MemberHeartbeatTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private static readonly ClusterOptions Options = new() { HeartbeatInterval = Interval, SessionTtl = Ttl };

    private readonly TestClock _clock = new();
    private IShoalEngine _engine = null!;

    private ICoordinationStore Store => _engine.Coordination;

    public ValueTask InitializeAsync()
    {
        _engine = InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = _clock });
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _engine.DisposeAsync();

    private MemberHeartbeat Heartbeat(string memberId, int seed, Func<MemberSample>? sample = null, HealthOptions? health = null) =>
        new(Store, new MemberIdentity("orders", memberId, Weight: 2, Capacity: 16, Address: "node-" + seed), Options, _clock, new Random(seed), health, sample);

    private async Task<(MemberRecord Record, long Revision)?> ReadAsync(string memberId)
    {
        var entry = await Store.GetAsync(CoordinationKeys.Member("orders", memberId));
        if (entry is not KvEntry e)
        {
            return null;
        }

        Assert.True(MemberRecordCodec.TryDecode(e.Value.Span, out var record));
        return (record!, e.Revision);
    }

    /// <summary>Advances one heartbeat interval and waits (real-time deadline) until the heartbeat wrote again.</summary>
    private async Task BeatAsync(params MemberHeartbeat[] heartbeats)
    {
        var before = heartbeats.Select(h => h.Beats).ToArray();
        _clock.Advance(Interval);
        for (var i = 0; i < heartbeats.Length; i++)
        {
            var heartbeat = heartbeats[i];
            var expected = before[i] + 1;
            await Wait.UntilAsync(() => heartbeat.Beats >= expected, $"beat {expected} of {heartbeat.Key}");
        }
    }

    [Fact]
    public async Task Writes_the_record_at_start_and_at_every_interval()
    {
        await using var heartbeat = Heartbeat("w1", seed: 1);
        var start = _clock.GetUtcNow();
        await heartbeat.StartAsync();

        var (first, firstRevision) = (await ReadAsync("w1"))!.Value;
        Assert.True(heartbeat.IsRegistered);
        Assert.Equal(start, first.HeartbeatAt);
        Assert.Equal(heartbeat.Incarnation, first.Incarnation);
        Assert.Equal(2.0, first.Weight);
        Assert.Equal(16, first.Capacity);
        Assert.Equal("node-1", first.Address);

        var previousRevision = firstRevision;
        for (var beat = 1; beat <= 5; beat++)
        {
            await BeatAsync(heartbeat);
            var (record, revision) = (await ReadAsync("w1"))!.Value;
            Assert.Equal(start + (Interval * beat), record.HeartbeatAt);
            Assert.True(revision > previousRevision);
            Assert.Equal(revision, heartbeat.Revision);
            previousRevision = revision;
        }

        // Nothing is written between beats.
        _clock.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(previousRevision, (await ReadAsync("w1"))!.Value.Revision);
    }

    [Fact]
    public async Task A_blocked_handler_does_not_stop_heartbeats()
    {
        // A handler stuck on an await that never completes, and one that blocks a thread outright.
        var never = new TaskCompletionSource();
        var stuckAsync = HandlerAsync(never.Task);
        using var gate = new ManualResetEventSlim();
        var stuckThread = Task.Factory.StartNew(gate.Wait, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        await using var heartbeat = Heartbeat("w1", seed: 1, () => new MemberSample(HealthSample.Idle, new MemberLoad(InFlight: 2, EventsPerSecond: 0)));
        var start = _clock.GetUtcNow();
        await heartbeat.StartAsync();
        for (var beat = 1; beat <= 20; beat++)
        {
            await BeatAsync(heartbeat);
        }

        var (record, _) = (await ReadAsync("w1"))!.Value;
        Assert.Equal(start + (Interval * 20), record.HeartbeatAt);
        Assert.Equal(2, record.Load.InFlight);
        Assert.True(MembershipView.IsLive(record, _clock.GetUtcNow(), Ttl));
        Assert.False(stuckAsync.IsCompleted);
        Assert.False(stuckThread.IsCompleted);

        gate.Set();
        never.SetResult();
        await Task.WhenAll(stuckAsync, stuckThread);

        static async Task HandlerAsync(Task blocker) => await blocker;
    }

    [Fact]
    public async Task Graceful_stop_deletes_the_record_at_once()
    {
        var heartbeat = Heartbeat("w1", seed: 1);
        await heartbeat.StartAsync();
        await BeatAsync(heartbeat);
        Assert.NotNull(await ReadAsync("w1"));

        await heartbeat.StopAsync();

        Assert.Null(await ReadAsync("w1"));
        Assert.Equal(HeartbeatState.Stopped, heartbeat.State);
        Assert.False(_clock.HasPeriodic(Interval));

        // No beat after the stop recreates it.
        _clock.Advance(Interval * 3);
        Assert.Null(await ReadAsync("w1"));
        await heartbeat.DisposeAsync();
    }

    [Fact]
    public async Task An_abandoned_member_leaves_its_record_to_expire()
    {
        var heartbeat = Heartbeat("w1", seed: 1);
        await heartbeat.StartAsync();
        await heartbeat.AbandonAsync();

        _clock.Advance(Ttl);
        var (record, _) = (await ReadAsync("w1"))!.Value;
        var view = MembershipView.Compute([record], _clock.GetUtcNow(), Ttl);
        Assert.Empty(view.Live);
        Assert.Equal(["w1"], view.Dead.Select(m => m.MemberId));
    }

    [Fact]
    public async Task A_restarted_member_with_the_same_id_takes_over_its_record_within_the_ttl()
    {
        var crashed = Heartbeat("w1", seed: 1);
        await crashed.StartAsync();
        var (before, beforeRevision) = (await ReadAsync("w1"))!.Value;
        await crashed.AbandonAsync();

        _clock.Advance(TimeSpan.FromSeconds(10)); // well within the 30 s TTL: the old record is still live

        await using var restarted = Heartbeat("w1", seed: 2);
        await restarted.StartAsync();
        Assert.True(restarted.IsRegistered);
        var (after, afterRevision) = (await ReadAsync("w1"))!.Value;
        Assert.NotEqual(before.Incarnation, after.Incarnation);
        Assert.Equal(restarted.Incarnation, after.Incarnation);
        Assert.True(afterRevision > beforeRevision);
        Assert.Equal(_clock.GetUtcNow(), after.HeartbeatAt);

        // The member stayed live throughout: one record, never dead.
        Assert.Single(await Store.ListAsync(CoordinationKeys.GroupMembersPrefix("orders")));
        await BeatAsync(restarted);
        Assert.Equal(restarted.Incarnation, (await ReadAsync("w1"))!.Value.Record.Incarnation);
    }

    [Fact]
    public async Task A_member_whose_record_was_taken_over_is_fenced_and_stops_writing()
    {
        await using var old = Heartbeat("w1", seed: 1);
        await old.StartAsync();
        await using var newer = Heartbeat("w1", seed: 2);
        await newer.StartAsync();

        // The old instance's next beat loses its compare-and-set and sees a newer incarnation.
        var fenced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        old.StateChanged += s =>
        {
            if (s == HeartbeatState.Fenced)
            {
                fenced.TrySetResult();
            }
        };
        await BeatAsync(newer);
        await fenced.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(old.IsRegistered);

        for (var i = 0; i < 3; i++)
        {
            await BeatAsync(newer);
            Assert.Equal(newer.Incarnation, (await ReadAsync("w1"))!.Value.Record.Incarnation);
        }

        // The fenced instance's stop must not delete the newer instance's record.
        await old.StopAsync();
        Assert.Equal(newer.Incarnation, (await ReadAsync("w1"))!.Value.Record.Incarnation);
    }

    [Fact]
    public async Task A_record_deleted_by_someone_else_is_written_again_next_beat()
    {
        await using var heartbeat = Heartbeat("w1", seed: 1);
        await heartbeat.StartAsync();
        var (_, revision) = (await ReadAsync("w1"))!.Value;
        Assert.True(await Store.TryDeleteAsync(CoordinationKeys.Member("orders", "w1"), revision));

        await BeatAsync(heartbeat);
        var (record, _) = (await ReadAsync("w1"))!.Value;
        Assert.Equal(heartbeat.Incarnation, record.Incarnation);
        Assert.True(heartbeat.IsRegistered);
    }

    [Fact]
    public async Task Each_beat_publishes_health_and_the_health_adjusted_weight()
    {
        var sample = new MemberSample(new HealthSample(Succeeded: 100, Failed: 0, null, false), default);
        var health = HealthOptions.Default with { ErrorRateWindow = 1 };
        await using var heartbeat = Heartbeat("w1", seed: 1, () => sample, health);
        await heartbeat.StartAsync();
        Assert.Equal((MemberHealth.Healthy, 2.0), await HealthAndWeightAsync());

        sample = sample with { Health = new HealthSample(70, 30, null, false) };
        await BeatAsync(heartbeat);
        Assert.Equal((MemberHealth.Degraded, 1.0), await HealthAndWeightAsync());

        sample = sample with { Health = new HealthSample(20, 80, null, false) };
        await BeatAsync(heartbeat);
        Assert.Equal((MemberHealth.Unhealthy, 0.0), await HealthAndWeightAsync());

        sample = sample with { Health = new HealthSample(100, 0, null, false) };
        for (var i = 0; i < 2; i++)
        {
            await BeatAsync(heartbeat);
            Assert.Equal((MemberHealth.Unhealthy, 0.0), await HealthAndWeightAsync());
        }

        await BeatAsync(heartbeat);
        Assert.Equal((MemberHealth.Healthy, 2.0), await HealthAndWeightAsync());

        async Task<(MemberHealth, double)> HealthAndWeightAsync()
        {
            var (record, _) = (await ReadAsync("w1"))!.Value;
            return (record.Health, record.Weight);
        }
    }

    [Fact]
    public async Task Store_failures_are_retried_next_beat()
    {
        var flaky = new FlakyStore(Store);
        await using var heartbeat = new MemberHeartbeat(flaky, new MemberIdentity("orders", "w1"), Options, _clock, new Random(1));
        await heartbeat.StartAsync();
        var beats = heartbeat.Beats;

        flaky.Failing = true;
        var recordBefore = await ReadAsync("w1");
        _clock.Advance(Interval);
        await Wait.UntilAsync(() => flaky.Failures >= 1, "a failed beat");
        Assert.Equal(beats, heartbeat.Beats);
        Assert.True(heartbeat.IsRegistered); // still within the TTL

        flaky.Failing = false;
        await BeatAsync(heartbeat);
        var (record, _) = (await ReadAsync("w1"))!.Value;
        Assert.True(record.HeartbeatAt > recordBefore!.Value.Record.HeartbeatAt);
        Assert.Equal(MemberHealth.Degraded, record.Health); // the failed beat counts as an engine error
    }

    [Fact]
    public async Task A_slow_heartbeat_write_counts_as_engine_trouble()
    {
        var slow = new SlowStore(Store, _clock);
        await using var heartbeat = new MemberHeartbeat(slow, new MemberIdentity("orders", "w1"), Options, _clock, new Random(1));
        await heartbeat.StartAsync();
        Assert.Equal(TimeSpan.FromSeconds(7.5), heartbeat.SlowWrite); // the longer of the 3 s interval and TTL / 4

        // A write that takes just under the threshold is fine; one that takes longer degrades the next beat's health.
        slow.Delay = heartbeat.SlowWrite - TimeSpan.FromMilliseconds(1);
        await BeatAsync(heartbeat);
        slow.Delay = TimeSpan.Zero;
        await BeatAsync(heartbeat);
        Assert.Equal(MemberHealth.Healthy, (await ReadAsync("w1"))!.Value.Record.Health);

        slow.Delay = heartbeat.SlowWrite + TimeSpan.FromMilliseconds(1);
        await BeatAsync(heartbeat);
        slow.Delay = TimeSpan.Zero;
        await BeatAsync(heartbeat);
        Assert.Equal(MemberHealth.Degraded, (await ReadAsync("w1"))!.Value.Record.Health);
    }

    [Fact]
    public async Task Invalid_identity_or_options_are_rejected()
    {
        Assert.Equal("MemberIdentity.MemberId", Assert.Throws<ShoalConfigurationException>(
            () => new MemberHeartbeat(Store, new MemberIdentity("orders", "w/1"), Options, _clock, new Random(1))).Field);
        Assert.Equal("ClusterOptions.SessionTtl", Assert.Throws<ShoalConfigurationException>(
            () => new MemberHeartbeat(Store, new MemberIdentity("orders", "w1"), Options with { SessionTtl = Interval }, _clock, new Random(1))).Field);
        await Task.CompletedTask;
    }

    /// <summary>Throws from every write while <see cref="Failing"/> is set, as an unreachable engine would.</summary>
    private sealed class FlakyStore(ICoordinationStore inner) : ForwardingStore(inner)
    {
        private int _failures;

        public volatile bool Failing;

        public int Failures => Volatile.Read(ref _failures);

        public override ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
        {
            Fail();
            return InnerStore.TryCreateAsync(key, value, cancellationToken);
        }

        public override ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
        {
            Fail();
            return InnerStore.TryUpdateAsync(key, value, expectedRevision, cancellationToken);
        }

        private void Fail()
        {
            if (Failing)
            {
                Interlocked.Increment(ref _failures);
                throw new EngineException("store unreachable (test)");
            }
        }
    }

    /// <summary>Moves the test clock on by <see cref="Delay"/> during each update, as a slow engine would take that long.</summary>
    private sealed class SlowStore(ICoordinationStore inner, TestClock clock) : ForwardingStore(inner)
    {
        public TimeSpan Delay { get; set; }

        public override ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
        {
            if (Delay > TimeSpan.Zero)
            {
                clock.Advance(Delay);
            }

            return InnerStore.TryUpdateAsync(key, value, expectedRevision, cancellationToken);
        }
    }
}
