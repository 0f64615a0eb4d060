using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Cluster;

public sealed class MembershipWatcherTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private static readonly ClusterOptions Options = new() { HeartbeatInterval = Interval, SessionTtl = Ttl };

    private readonly TestClock _clock = new();
    private readonly CancellationTokenSource _stop = new();
    private IShoalEngine _engine = null!;
    private MembershipWatcher _watcher = null!;
    private Task _watching = Task.CompletedTask;

    private ICoordinationStore Store => _engine.Coordination;

    public ValueTask InitializeAsync()
    {
        _engine = InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = _clock });
        _watcher = new MembershipWatcher(Store, "orders", Ttl, _clock);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watching.WaitAsync(TimeSpan.FromSeconds(10));
        await _engine.DisposeAsync();
        _stop.Dispose();
    }

    private MemberHeartbeat Heartbeat(string memberId, int seed, string group = "orders") =>
        new(Store, new MemberIdentity(group, memberId), Options, _clock, new Random(seed));

    private async Task<MembershipView> StartWatchingAsync()
    {
        _watching = _watcher.RunAsync(_stop.Token);
        return await _watcher.WaitForChangeAsync(0).WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static string[] Ids(IEnumerable<MemberRecord> members) => [.. members.Select(m => m.MemberId)];

    private Task UntilLiveAsync(params string[] ids) =>
        Wait.UntilAsync(() => Ids(_watcher.Current.Live).SequenceEqual(ids), $"live members [{string.Join(",", ids)}]");

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
    public async Task The_first_view_is_the_current_snapshot()
    {
        await using var a = Heartbeat("a", 1);
        await a.StartAsync();
        await using var other = Heartbeat("x", 2, group: "payments");
        await other.StartAsync();

        var first = await StartWatchingAsync();
        Assert.Equal(["a"], Ids(first.Live));
        Assert.Equal(1, _watcher.Version);
    }

    [Fact]
    public async Task Sees_join_graceful_leave_and_death_by_ttl()
    {
        var empty = await StartWatchingAsync();
        Assert.Empty(empty.Live);

        // Join.
        await using var a = Heartbeat("a", 1);
        await using var b = Heartbeat("b", 2);
        await a.StartAsync();
        await b.StartAsync();
        await UntilLiveAsync("a", "b");
        var joined = _watcher.Version;

        // Heartbeats alone are not membership changes.
        await BeatAsync(a, b);
        await BeatAsync(a, b);
        await Wait.UntilAsync(() => _watcher.Current.Live.All(m => m.HeartbeatAt == _clock.GetUtcNow()), "view refreshed by heartbeats");
        Assert.Equal(joined, _watcher.Version);

        // Death: b stops heartbeating without deleting its record (a crash). It stays live until the TTL passes.
        await b.AbandonAsync();
        var bLast = _clock.GetUtcNow();
        while (_clock.GetUtcNow() + Interval < bLast + Ttl)
        {
            await BeatAsync(a);
        }

        Assert.Equal(["a", "b"], Ids(_watcher.Current.Live));
        Assert.Equal(joined, _watcher.Version);
        _clock.Advance(bLast + Ttl - _clock.GetUtcNow());
        var died = await _watcher.WaitForChangeAsync(joined).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["a"], Ids(died.Live));
        Assert.Equal(["b"], Ids(died.Dead));
        Assert.Equal(bLast + Ttl, died.At);

        // Graceful leave: the record is deleted at once, no time passes.
        var beforeLeave = _watcher.Version;
        await a.StopAsync();
        var left = await _watcher.WaitForChangeAsync(beforeLeave).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(left.Live);
        Assert.Equal(["b"], Ids(left.Dead));
        Assert.Equal(bLast + Ttl, left.At);
    }

    [Fact]
    public async Task A_dead_member_that_heartbeats_again_is_live_again()
    {
        await StartWatchingAsync();
        var crashed = Heartbeat("a", 1);
        await crashed.StartAsync();
        await UntilLiveAsync("a");
        await crashed.AbandonAsync();

        _clock.Advance(Ttl);
        await Wait.UntilAsync(() => _watcher.Current.Dead.Count == 1, "a dead");

        await using var restarted = Heartbeat("a", 2);
        await restarted.StartAsync();
        await UntilLiveAsync("a");
        Assert.Equal(restarted.Incarnation, _watcher.Current.Live[0].Incarnation);
    }

    [Fact]
    public async Task A_health_change_is_a_membership_change()
    {
        await StartWatchingAsync();
        var record = new MemberRecord { MemberId = "a", Incarnation = "1", HeartbeatAt = _clock.GetUtcNow() };
        var key = CoordinationKeys.Member("orders", "a");
        var revision = (await Store.TryCreateAsync(key, MemberRecordCodec.Encode(record)))!.Value;
        await UntilLiveAsync("a");
        var version = _watcher.Version;

        await Store.TryUpdateAsync(key, MemberRecordCodec.Encode(record with { Health = MemberHealth.Degraded, Weight = 0.5 }), revision);
        var changed = await _watcher.WaitForChangeAsync(version).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(MemberHealth.Degraded, changed.Live[0].Health);
        Assert.Equal(0.5, changed.Live[0].Weight);
    }

    [Fact]
    public async Task Unreadable_records_are_ignored()
    {
        await Store.TryCreateAsync(CoordinationKeys.Member("orders", "junk"), "not json"u8.ToArray());
        var mismatched = new MemberRecord { MemberId = "other", Incarnation = "1", HeartbeatAt = _clock.GetUtcNow() };
        await Store.TryCreateAsync(CoordinationKeys.Member("orders", "liar"), MemberRecordCodec.Encode(mismatched));
        await using var a = Heartbeat("a", 1);
        await a.StartAsync();

        var first = await StartWatchingAsync();
        Assert.Equal(["a"], Ids(first.Live));
        Assert.Empty(first.Dead);
    }

    [Fact]
    public async Task Changes_stream_yields_each_membership_change()
    {
        await StartWatchingAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var changes = _watcher.ChangesAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await changes.MoveNextAsync());
        Assert.Empty(changes.Current.Live);

        await using var a = Heartbeat("a", 1);
        await a.StartAsync();
        Assert.True(await changes.MoveNextAsync());
        Assert.Equal(["a"], Ids(changes.Current.Live));

        await a.StopAsync();
        Assert.True(await changes.MoveNextAsync());
        Assert.Empty(changes.Current.Live);
    }

    [Fact]
    public async Task Cancelling_ends_the_watch_normally()
    {
        await StartWatchingAsync();
        await _stop.CancelAsync();
        await _watching.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(_watching.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_lagging_watch_never_declares_a_heartbeating_member_dead()
    {
        var lagging = new LaggingStore(Store);
        var watcher = new MembershipWatcher(lagging, "orders", Ttl, _clock);
        _watching = watcher.RunAsync(_stop.Token);
        await using var a = Heartbeat("a", 1);
        var start = _clock.GetUtcNow();
        await a.StartAsync();
        await Wait.UntilAsync(() => watcher.Current.Find("a") is not null, "a live");
        var version = watcher.Version;

        // The watch stops delivering; the member keeps heartbeating past its last seen heartbeat + TTL.
        lagging.Holding = true;
        for (var i = 0; i < 11; i++)
        {
            await BeatAsync(a);
        }

        await Wait.UntilAsync(() => watcher.Current.At >= start + Ttl, "the watcher's expiry check");
        Assert.NotNull(watcher.Current.Find("a"));
        Assert.Empty(watcher.Current.Dead);
        Assert.Equal(version, watcher.Version);

        lagging.Release();
        await a.StopAsync();
        var left = await watcher.WaitForChangeAsync(version).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(left.Live);
    }

    [Fact]
    public async Task A_watch_that_ends_without_being_cancelled_is_watched_again()
    {
        // As a NATS KV watch can when a server restarts: the first watch ends after its initial snapshot. The watcher
        // must watch again, or its view freezes and a member joining later is never seen (nor given partitions).
        var ending = new EndingStore(Store);
        var watcher = new MembershipWatcher(ending, "orders", Ttl, _clock);
        await using var a = Heartbeat("a", 1);
        await a.StartAsync();
        _watching = watcher.RunAsync(_stop.Token);
        await Wait.UntilAsync(() => ending.Ended >= 1, "the first watch ended");

        // The watcher pauses (on its clock) before watching again.
        await Wait.UntilAsync(() =>
        {
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            return ending.Watches >= 2;
        }, "a second watch");
        await Wait.UntilAsync(() => watcher.Current.Find("a") is not null, "a live");

        await using var b = Heartbeat("b", 2);
        await b.StartAsync();
        await Wait.UntilAsync(() => watcher.Current.Find("b") is not null, "b, which joined after the first watch ended, seen", 15);
        Assert.False(_watching.IsCompleted);
    }

    [Fact]
    public async Task A_watch_that_fails_is_watched_again()
    {
        // Found by the simulation (seed 129): the store became unreachable, the watch threw, and the watcher ended
        // for good, so its member never saw a membership change again. It must pause (on its clock) and watch again.
        var failing = new EndingStore(Store, fails: true);
        var watcher = new MembershipWatcher(failing, "orders", Ttl, _clock);
        await using var a = Heartbeat("a", 1);
        await a.StartAsync();
        _watching = watcher.RunAsync(_stop.Token);
        await Wait.UntilAsync(() => failing.Ended >= 1, "the first watch failed");

        await Wait.UntilAsync(() =>
        {
            _clock.Advance(TimeSpan.FromMilliseconds(100));
            return failing.Watches >= 2 || _watching.IsCompleted;
        }, "a second watch");
        Assert.False(_watching.IsCompleted, $"the watcher ended when its watch failed: {_watching.Exception?.InnerException?.Message}");
        await using var b = Heartbeat("b", 2);
        await b.StartAsync();
        await Wait.UntilAsync(() => watcher.Current.Find("a") is not null && watcher.Current.Find("b") is not null, "a, and b, which joined after the watch failed, seen", 15);
        Assert.False(_watching.IsCompleted);
    }

    [Fact]
    public async Task A_watch_that_stalls_while_the_store_cannot_be_listed_does_not_freeze_an_empty_view()
    {
        // After a NATS server restart: the watch stops delivering without ending, and the re-read that should confirm a
        // death fails, so every member looks dead. A member joining afterwards must still be seen.
        var stalling = new StallingStore(Store);
        var watcher = new MembershipWatcher(stalling, "orders", Ttl, _clock);
        await using var a = Heartbeat("a", 1);
        await a.StartAsync();
        _watching = watcher.RunAsync(_stop.Token);
        await Wait.UntilAsync(() => watcher.Current.Find("a") is not null, "a live");

        stalling.Stalled = true;
        stalling.ListFails = true;
        var version = watcher.Version;
        _clock.Advance(Ttl + Interval);
        var empty = await watcher.WaitForChangeAsync(version).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(empty.Live);

        // The store answers again; the watch stays stalled. b joins and a heartbeats: both are seen within a session TTL.
        stalling.ListFails = false;
        await using var b = Heartbeat("b", 2);
        await b.StartAsync();
        await BeatAsync(a, b);
        await Wait.UntilAsync(() =>
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            return watcher.Current.Find("a") is not null && watcher.Current.Find("b") is not null;
        }, "a and b live again", 15);
    }

    /// <summary>A store whose watch stops delivering (without ending) once <see cref="Stalled"/> is set, and whose listings fail while <see cref="ListFails"/> is.</summary>
    private sealed class StallingStore(ICoordinationStore inner) : ForwardingStore(inner)
    {
        public volatile bool Stalled;

        public volatile bool ListFails;

        public override ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
            ListFails ? throw new EngineException("no answer (test)", isTransient: true) : InnerStore.ListAsync(prefix, cancellationToken);

        public override async IAsyncEnumerable<KvChange> WatchAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var change in InnerStore.WatchAsync(prefix, cancellationToken))
            {
                if (Stalled)
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                yield return change;
            }
        }
    }

    /// <summary>
    /// A store whose first watch ends right after its initial snapshot: it completes with no error, or, when
    /// <paramref name="fails"/>, throws as a watch does when the store becomes unreachable.
    /// </summary>
    private sealed class EndingStore(ICoordinationStore inner, bool fails = false) : ForwardingStore(inner)
    {
        private int _watches;
        private int _ended;

        public int Watches => Volatile.Read(ref _watches);

        public int Ended => Volatile.Read(ref _ended);

        public override async IAsyncEnumerable<KvChange> WatchAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _watches) == 1)
            {
                foreach (var entry in await InnerStore.ListAsync(prefix, cancellationToken))
                {
                    yield return new KvChange(KvChangeKind.Put, entry.Key, entry.Value, entry.Revision);
                }

                Interlocked.Increment(ref _ended);
                if (fails)
                {
                    throw new EngineException("the store is unreachable (test)", isTransient: true);
                }

                yield break;
            }

            await foreach (var change in InnerStore.WatchAsync(prefix, cancellationToken))
            {
                yield return change;
            }
        }
    }

    /// <summary>A store whose watch stops delivering changes while <see cref="Holding"/> is set (a slow watch).</summary>
    private sealed class LaggingStore(ICoordinationStore inner) : ForwardingStore(inner)
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Holding;

        public void Release() => _released.TrySetResult();

        public override async IAsyncEnumerable<KvChange> WatchAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var change in InnerStore.WatchAsync(prefix, cancellationToken))
            {
                if (Holding)
                {
                    await _released.Task.WaitAsync(cancellationToken);
                }

                yield return change;
            }
        }
    }
}
