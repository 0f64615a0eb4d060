using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Scenarios.Demo;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>
/// Faults in a cluster of members on the in-process engine, on a fake clock moved in lockstep (heartbeat 50 ms, TTL
/// 400 ms unless stated): a frozen member (zombie), a failing member (health), a crash with a restart under the
/// same id (static membership), and the duplicates a crash may cause. Only the nodes a test freezes or crashes miss
/// renewals: the lockstep keeps every other node's leases, however slowly the machine runs it.
/// </summary>
[Trait("Category", "Cluster")]
public sealed class ClusterFaultTests
{
    [Fact]
    public async Task A_paused_member_loses_its_leases_and_none_of_its_commits_is_accepted()
    {
        await using var cluster = new ClusterHarness(partitions: 12, clock: new TestClock());
        var frozen = new PausableEngine(cluster.Engine);
        var handlers = new PauseGate();
        var m1 = await cluster.StartNodeAsync("m1"); // the harness publishes through the first node: never the frozen one
        var m2 = await cluster.StartNodeAsync("m2");
        // z does not fence itself (its own clock would stop it before its lease expires): this checks the store's fence.
        var z = await cluster.StartNodeAsync(
            "z",
            frozen,
            before: (e, ctx, ct) => handlers.WaitAsync("handler", CancellationToken.None), // frozen: deaf to cancellation too
            member: m => m with { UnsafeNoSelfFence = true });
        await cluster.BalancedAsync([m1, m2, z]);
        await using var offsets = await cluster.WatchOffsetsAsync();
        await cluster.PublishAsync(keys: 60, perKey: 10);
        await cluster.UntilAsync(() => cluster.Check(60, 10).Missing == 0, "first wave handled");
        var before = z.Member.OwnedPartitions;
        Assert.True(before.Count == 4, cluster.Describe());

        try
        {
            // Freeze z: its handlers block on the events it fetches from now on, then every engine call it makes waits.
            handlers.Pause();
            await cluster.PublishAsync(keys: 60, perKey: 10, from: 10);
            await cluster.UntilAsync(() => handlers.Waiting.Count >= before.Count, "z holds events of the second wave in flight");
            z.Lockstep = false; // frozen: time moves on without it
            frozen.Pause();

            // Longer than the TTL: the others take z's partitions under new epochs and handle everything it held.
            await cluster.UntilAsync(
                () => before.All(p => m1.Member.OwnedPartitions.GetValueOrDefault(p.Key) > p.Value || m2.Member.OwnedPartitions.GetValueOrDefault(p.Key) > p.Value),
                "z's partitions taken over under newer epochs", 5);
            await cluster.UntilAsync(() => cluster.Check(60, 20).Missing == 0, "the second wave handled by the survivors", 5);
            Assert.Equal(before, z.Member.OwnedPartitions); // z does not know yet

            // z's handlers finish first (its watermark moves past its last commit), so its next commit is already
            // waiting at the frozen engine with the revision and epoch it had before the pause.
            handlers.Resume();
            await cluster.UntilAsync(() => frozen.Waiting.Any(w => w.StartsWith("TryUpdate shoal/offsets/", StringComparison.Ordinal)), "z attempts a commit", 5);
        }
        finally
        {
            handlers.Resume();
            frozen.Resume();
            z.Lockstep = true;
        }

        await cluster.UntilAsync(() => z.Group.CommitsRejected > 0, "z's stale commit rejected", 5);
        await cluster.UntilAsync(() => z.Member.LeasesLost >= before.Count, "z finds every lease it held lost", 5);
        await cluster.UntilAsync(() => !before.Any(p => z.Member.OwnedPartitions.TryGetValue(p.Key, out var epoch) && epoch == p.Value), "z dropped its old tenures", 5);

        // z heartbeats again, rejoins and gets a share back under new epochs; a third wave goes through everyone.
        await cluster.BalancedAsync([m1, m2, z], seconds: 5);
        await cluster.PublishAsync(keys: 60, perKey: 10, from: 20);
        await cluster.UntilAsync(() => cluster.Check(60, 30).Missing == 0, "the third wave handled", 5);

        Assert.Empty(offsets.ZombieCommitsAccepted);
        Assert.Empty(offsets.OffsetRegressions);
        var (missing, violations, _) = cluster.Check(60, 30);
        Assert.Equal((0, 0), (missing, violations));
        Assert.All(z.Group.Partitions, p => Assert.True(p.Epoch > before.GetValueOrDefault(p.Partition), "z's new tenures carry newer epochs"));
    }

    [Fact]
    public async Task A_degraded_member_hands_its_partitions_to_the_healthy_ones_and_a_recovered_one_gets_its_share_back()
    {
        await using var cluster = new ClusterHarness(partitions: 12, clock: new TestClock());
        var health = new HealthOptions { ErrorRateWindow = 6, MinEventsForErrorRate = 5, RecoverySamples = 3 };
        GroupOptions Group(GroupOptions g) => g with { Retry = new RetryOptions { MaxAttempts = 1 }, PoisonKeyPolicy = PoisonKeyPolicy.Skip };
        ClusterMemberOptions Member(ClusterMemberOptions m) => m with { Assignor = AssignorKind.Weighted, Health = health };
        var failing = new Failing();
        var m1 = await cluster.StartNodeAsync("m1", group: Group, member: Member);
        var m2 = await cluster.StartNodeAsync("m2", group: Group, member: Member);
        var m3 = await cluster.StartNodeAsync("m3", before: (e, ctx, ct) => failing.Next(), group: Group, member: Member);
        await cluster.BalancedAsync([m1, m2, m3]);

        // A steady flow, so every member has outcomes to sample at each heartbeat: one event per key per interval.
        var sequence = 0;
        Task Produce() => cluster.PublishAsync(keys: 48, perKey: 1, from: sequence++);

        // One attempt in three fails (33 %: Degraded): while healthy members are live, m3 hands all its partitions over
        // (under the weighted assignor too, whose weight × 0.5 would have left it 2).
        failing.Every = 3;
        await cluster.RunUntilAsync(() => Counts(m1, m2, m3) == (6, 6, 0), "m3 degraded, owning nothing", eachStep: Produce);

        // Recovered: after the window, the recovery samples and the recovery time it is Healthy again and gets its full
        // share back.
        failing.Every = 0;
        await cluster.RunUntilAsync(() => Counts(m1, m2, m3) == (4, 4, 4), "m3 recovered, 4 partitions again", eachStep: Produce);

        Assert.True(m3.Group.Counts.Failed > 0);
        Assert.Equal(0, m1.Group.Counts.Failed + m2.Group.Counts.Failed);
    }

    [Fact]
    public async Task Partitions_handed_to_a_member_that_cannot_take_them_are_revoked_and_handled_by_another()
    {
        await using var cluster = new ClusterHarness(partitions: 12, clock: new TestClock());
        var a = await cluster.StartNodeAsync("a");
        await cluster.BalancedAsync([a]);

        // b heartbeats (it is live and healthy), but every lease write of its fails: the partitions a hands it stay free.
        // Before revocation they sat idle for as long as b lived; now a hand-over not taken within three heartbeats goes
        // to another member.
        var blocked = new LeaseWriteBlocker(cluster.Engine);
        var b = await cluster.StartNodeAsync("b", engine: blocked);
        await cluster.RunUntilAsync(() => blocked.Refused > 0, "a hand-over to b, which b cannot take");
        await cluster.PublishAsync(keys: 48, perKey: 5);
        await cluster.RunUntilAsync(() => cluster.Check(48, 5).Missing == 0, "every event handled although b can take nothing");
        Assert.Empty(b.Member.OwnedPartitions);

        // Once b can take, it gets its share and keeps it.
        blocked.Blocking = false;
        await cluster.BalancedAsync([a, b]);
        Assert.Equal((0, 0), (cluster.Check(48, 5).Missing, cluster.Check(48, 5).OrderViolations));
    }

    /// <summary>The shared engine with a coordination store that, while <see cref="Blocking"/>, refuses every lease write (as a member that cannot reach the store for leases).</summary>
    private sealed class LeaseWriteBlocker(IShoalEngine inner) : IShoalEngine
    {
        private readonly Store _store = new(inner.Coordination);

        public bool Blocking { get => _store.Blocking; set => _store.Blocking = value; }

        public int Refused => _store.Refused;

        public string Name => inner.Name;

        public IEventLog Log => inner.Log;

        public ICoordinationStore Coordination => _store;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the harness disposes the shared engine

        private sealed class Store(ICoordinationStore inner) : ForwardingStore(inner)
        {
            private static readonly string Leases = CoordinationKeys.GroupLeasesPrefix(ClusterHarness.Topic, ClusterHarness.Group);
            private int _refused;

            public volatile bool Blocking = true;

            public int Refused => Volatile.Read(ref _refused);

            public override ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
                Refuse(key) ? throw new EngineException("lease writes refused (test)", isTransient: true) : InnerStore.TryCreateAsync(key, value, cancellationToken);

            public override ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default) =>
                Refuse(key) ? throw new EngineException("lease writes refused (test)", isTransient: true) : InnerStore.TryUpdateAsync(key, value, expectedRevision, cancellationToken);

            private bool Refuse(string key)
            {
                if (!Blocking || !key.StartsWith(Leases, StringComparison.Ordinal))
                {
                    return false;
                }

                Interlocked.Increment(ref _refused);
                return true;
            }
        }
    }

    [Fact]
    public async Task A_member_restarted_with_the_same_id_within_the_ttl_gets_its_own_partitions_back_and_nothing_else_moves()
    {
        await using var cluster = new ClusterHarness(partitions: 12, ttl: TimeSpan.FromSeconds(1), clock: new TestClock());
        var m1 = await cluster.StartNodeAsync("m1");
        var m2 = await cluster.StartNodeAsync("m2");
        var m3 = await cluster.StartNodeAsync("m3");
        await cluster.BalancedAsync([m1, m2, m3]);
        await using var leases = cluster.WatchLeases();
        await cluster.PublishAsync(keys: 60, perKey: 10);
        await cluster.UntilAsync(() => cluster.Check(60, 10).Missing == 0, "first wave handled");
        var (of1, of2, of3) = (m1.Member.OwnedPartitions, m2.Member.OwnedPartitions, m3.Member.OwnedPartitions);
        var writesBefore = leases.Writes.Count;

        var crashedAt = cluster.Clock!.GetUtcNow();
        await cluster.CrashAsync(m3); // no hand-over, no commit, no release; the record and leases stay until the TTL
        await cluster.PublishAsync(keys: 60, perKey: 10, from: 10);
        var restarted = await cluster.StartNodeAsync("m3");
        var down = cluster.Clock.GetUtcNow() - crashedAt;
        Assert.True(down < cluster.Cluster.SessionTtl, $"restarted within the TTL ({down})");

        await cluster.UntilAsync(
            () => restarted.Member.OwnedPartitions.Count == of3.Count && of3.All(p => restarted.Member.OwnedPartitions.GetValueOrDefault(p.Key) > p.Value),
            "m3 holds its own partitions again under newer epochs", 5);
        await cluster.UntilAsync(() => cluster.Check(60, 20).Missing == 0, "second wave handled", 5);

        // Nothing else moved: m1 and m2 kept the same partitions under the same epochs, and no lease changed hands
        // except m3's own partitions being retaken by m3.
        Assert.Equal(of1, m1.Member.OwnedPartitions);
        Assert.Equal(of2, m2.Member.OwnedPartitions);
        var changes = leases.Writes.Skip(writesBefore).ToList();
        Assert.All(changes, w => Assert.Equal(of3.ContainsKey(w.Partition) ? "m3" : of1.ContainsKey(w.Partition) ? "m1" : "m2", w.Owner));
        Assert.All(changes.Where(w => !of3.ContainsKey(w.Partition)), w => Assert.Equal(of1.GetValueOrDefault(w.Partition) + of2.GetValueOrDefault(w.Partition), w.Epoch));
        Assert.Equal(0, cluster.Check(60, 20).OrderViolations);
    }

    [Fact]
    public async Task A_crash_causes_duplicates_only_within_the_in_flight_window_of_the_orphaned_partitions()
    {
        const int maxInFlight = 32;
        const int keys = 48;
        const int batches = 60;
        // On real time this test once failed on two loaded CI cores: a survivor stalled past the TTL, lost its leases to
        // the other survivor and redelivered its own in-flight events (correct at-least-once, but not what this test is
        // about). In the lockstep no running node can miss a renewal; the survivors' LeasesLost below checks it.
        await using var cluster = new ClusterHarness(partitions: 12, clock: new TestClock());
        GroupOptions Group(GroupOptions g) => g with { MaxInFlight = maxInFlight, MaxConcurrency = 4 };
        static async ValueTask Work(Numbered e, EventContext ctx, CancellationToken ct) => await Task.Delay(1, ct); // real time: events stay in flight
        var m1 = await cluster.StartNodeAsync("m1", before: Work, group: Group);
        var m2 = await cluster.StartNodeAsync("m2", before: Work, group: Group);
        var m3 = await cluster.StartNodeAsync("m3", before: Work, group: Group);
        await cluster.BalancedAsync([m1, m2, m3]);

        // One event per key per heartbeat interval, spread over 12 partitions, while m3 crashes mid-flow.
        var published = 0;
        async Task Produce()
        {
            if (published < batches)
            {
                await cluster.PublishAsync(keys, perKey: 1, from: published++);
            }
        }

        await cluster.RunUntilAsync(() => published >= batches / 3 && cluster.Handled.Any(h => h.Member == "m3"), "m3 busy mid-flow", eachStep: Produce);
        var orphaned = m3.Member.OwnedPartitions.Keys.ToHashSet();
        await cluster.CrashAsync(m3);
        await cluster.RunUntilAsync(() => published == batches, "every batch published", eachStep: Produce);

        await cluster.BalancedAsync([m1, m2], seconds: 10);
        await cluster.UntilAsync(() => cluster.Check(keys, batches).Missing == 0, "every event handled after the failover", 5);

        Assert.True(
            m1.Member.LeasesLost + m2.Member.LeasesLost == 0,
            $"a survivor lost a lease (m1 {m1.Member.LeasesLost}, m2 {m2.Member.LeasesLost}), so its own partitions redeliver too");
        var (_, violations, duplicates) = cluster.Check(keys, batches);
        Assert.Equal(0, violations);
        Assert.InRange(duplicates, 0, maxInFlight * orphaned.Count);
        var twice = cluster.Handled.GroupBy(h => (h.Key, h.Sequence)).Where(g => g.Count() > 1).ToList();
        Assert.All(twice, g => Assert.Contains(g.First().Partition, orphaned)); // only the crashed member's partitions redeliver
        Assert.All(twice, g => Assert.Equal(2, g.Count()));
    }

    private static (int, int, int) Counts(ClusterHarness.Node a, ClusterHarness.Node b, ClusterHarness.Node c) =>
        (a.Member.OwnedPartitions.Count, b.Member.OwnedPartitions.Count, c.Member.OwnedPartitions.Count);

    /// <summary>Fails every <see cref="Every"/>-th handler attempt (0: none).</summary>
    private sealed class Failing
    {
        private long _calls;
        private volatile int _every;

        public int Every
        {
            get => _every;
            set => _every = value;
        }

        public ValueTask Next()
        {
            var every = _every;
            return every > 0 && Interlocked.Increment(ref _calls) % every == 0
                ? ValueTask.FromException(new InvalidOperationException("injected handler failure"))
                : ValueTask.CompletedTask;
        }
    }
}
