using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>
/// <see cref="ShoalNode"/> on the in-process engine with a fake clock: the runtime starts before the members and stops
/// after them, a failed or cancelled start stops what it started, a fenced partition reaches the member that holds its
/// lease, and two nodes share a group's partitions and hand them over on stop.
/// </summary>
public sealed class ShoalNodeTests
{
    private const string Topic = "orders";
    private const string Group = "billing";
    private const string Audit = "audit";
    private const int Partitions = 4;

    private static readonly ClusterOptions Cluster = new() { HeartbeatInterval = TimeSpan.FromSeconds(1), SessionTtl = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task The_runtime_starts_before_the_member_and_stops_after_it_has_handed_its_partitions_over()
    {
        var clock = new TestClock();
        var engine = new RecordingEngine(Runtimes.Engine(clock));
        var handled = new ConcurrentBag<(string Group, int Sequence)>();
        await using var node = ShoalNode.Create(engine, Options(clock, handled, withAudit: true), Members("m1"), ownsEngine: true);

        await node.StartAsync();
        await Wait.UntilAsync(() => node.GetMember(Group).OwnedPartitions.Count == Partitions, "the only member took every partition");
        await PublishAsync(node, 8);
        await Wait.UntilAsync(() => handled.Count == 16, "both groups handled the 8 events");
        await node.StopAsync();

        var writes = engine.Writes.ToList();
        var auditOffsets = CoordinationKeys.GroupOffsetsPrefix(Topic, Audit);
        var memberRecord = CoordinationKeys.Member(Group, "m1");
        var leases = CoordinationKeys.GroupLeasesPrefix(Topic, Group);

        // Start: the runtime (the audit group's offset records) before the member (its record, then its leases).
        var runtimeStarted = writes.FindIndex(w => w.Key.StartsWith(auditOffsets, StringComparison.Ordinal));
        var registered = writes.FindIndex(w => w.Key == memberRecord);
        Assert.InRange(runtimeStarted, 0, registered - 1);
        Assert.True(writes.FindIndex(w => w.Key.StartsWith(leases, StringComparison.Ordinal)) > registered, "leases taken after registering");

        // Stop: the member releases its leases and deletes its record before the runtime's last commit of the audit group.
        var left = writes.FindLastIndex(w => w.Op == "delete" && w.Key == memberRecord);
        var lastAuditCommit = writes.FindLastIndex(w => w.Key.StartsWith(auditOffsets, StringComparison.Ordinal));
        Assert.True(left >= 0, "the member deleted its record");
        Assert.True(left < lastAuditCommit, $"member left at write {left}, the runtime committed the audit group at {lastAuditCommit}");
        Assert.True(writes.FindLastIndex(w => w.Key.StartsWith(leases, StringComparison.Ordinal)) < left, "leases released before leaving");
        Assert.Empty(node.GetMember(Group).OwnedPartitions);
        for (var p = 0; p < Partitions; p++)
        {
            var end = (await engine.Log.GetOffsetsAsync(Topic, p)).End;
            Assert.Equal(end, await Runtimes.CommittedAsync(engine, Topic, Group, p));
            Assert.Equal(end, await Runtimes.CommittedAsync(engine, Topic, Audit, p));
        }
    }

    [Fact]
    public async Task A_start_cancelled_while_the_member_registers_stops_the_runtime_and_leaves_no_record()
    {
        var clock = new TestClock();
        var engine = new SilentRegistration(Runtimes.Engine(clock), Group);
        await using var node = ShoalNode.Create(engine, Options(clock, []), Members("m1"));

        using var stop = new CancellationTokenSource();
        var start = node.StartAsync(stop.Token);
        await engine.Registering.Task.WaitAsync(TimeSpan.FromSeconds(10));
        stop.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(await engine.Coordination.ListAsync(CoordinationKeys.GroupMembersPrefix(Group)));
        Assert.Empty(node.GetMember(Group).OwnedPartitions);
        var again = await Assert.ThrowsAsync<InvalidOperationException>(() => node.Runtime.StartAsync());
        Assert.Contains("stopped", again.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.StartAsync());
        await node.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_start_whose_runtime_fails_creates_no_member_and_stops_the_runtime()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine(clock);
        var options = Options(clock, []) with { Topics = [] }; // the group's topic does not exist
        await using var node = ShoalNode.Create(engine, options, Members("m1"));

        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(() => node.StartAsync());

        Assert.Equal("GroupOptions.Topic", error.Field);
        Assert.Empty(node.Members);
        Assert.Empty(await engine.Coordination.ListAsync(CoordinationKeys.GroupMembersPrefix(Group)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.Runtime.StartAsync());
    }

    [Fact]
    public async Task A_partition_fenced_at_commit_reaches_the_member_that_holds_its_lease()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine(clock);
        var handled = new ConcurrentBag<(string Group, int Sequence)>();
        await using var node = ShoalNode.Create(engine, Options(clock, handled), Members("m1"));
        await node.StartAsync();
        var member = node.GetMember(Group);
        await Wait.UntilAsync(() => member.OwnedPartitions.Count == Partitions, "the member took every partition");
        var partition = Shoal.Partitioning.KeyHasher.PartitionFor("k0", Partitions);
        var epoch = member.OwnedPartitions[partition];

        // A newer owner fenced the partition behind this member's back (as after a pause longer than the lease).
        var key = CoordinationKeys.Offset(Topic, Group, partition);
        var record = (await engine.Coordination.GetAsync(key))!.Value;
        Assert.True(CommittedOffset.TryDecode(record.Value.Span, out var committed));
        Assert.NotNull(await engine.Coordination.TryUpdateAsync(key, (committed with { Epoch = epoch + 10 }).Encode(), record.Revision));
        await PublishAsync(node, 16);
        await Wait.UntilAsync(() => handled.Count == 16, "the events handled");
        await node.Runtime.CommitAsync();

        await Wait.UntilAsync(() => member.LeasesLost == 1, "the member learnt of the fence and dropped the lease");
        Assert.True(node.Runtime.GetGroup(Group).CommitsRejected >= 1);
        Assert.DoesNotContain(node.Runtime.GetGroup(Group).Partitions, p => p.Partition == partition && p.Epoch == epoch);
    }

    [Fact]
    public async Task Two_nodes_share_a_groups_partitions_and_one_hands_its_share_over_on_stop()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine(clock);
        var handled = new ConcurrentBag<(string Group, int Sequence)>();
        await using var a = ShoalNode.Create(engine, Options(clock, handled), Members("a"));
        await using var b = ShoalNode.Create(engine, Options(clock, handled), Members("b"));
        await a.StartAsync();
        await Wait.UntilAsync(() => a.GetMember(Group).OwnedPartitions.Count == Partitions, "a took every partition");
        await b.StartAsync();
        await RunUntilAsync(clock, () => a.GetMember(Group).OwnedPartitions.Count == 2 && b.GetMember(Group).OwnedPartitions.Count == 2, "a handed half over to b");
        var bPartitions = b.GetMember(Group).OwnedPartitions;
        Assert.Empty(bPartitions.Keys.Intersect(a.GetMember(Group).OwnedPartitions.Keys));
        await PublishAsync(a, 40);
        await Wait.UntilAsync(() => handled.Count == 40, "the events handled");

        await b.StopAsync();

        Assert.Empty(b.GetMember(Group).OwnedPartitions);
        foreach (var p in bPartitions.Keys)
        {
            Assert.Equal((await engine.Log.GetOffsetsAsync(Topic, p)).End, await Runtimes.CommittedAsync(engine, Topic, Group, p));
        }

        await RunUntilAsync(clock, () => a.GetMember(Group).OwnedPartitions.Count == Partitions, "a took b's partitions back");
        foreach (var (p, epoch) in bPartitions)
        {
            Assert.True(a.GetMember(Group).OwnedPartitions[p] > epoch, $"partition {p} taken under a newer epoch");
        }

        await PublishAsync(a, 40, from: 40);
        await Wait.UntilAsync(() => handled.Count == 80, "a handles every partition");
        Assert.Equal(80, handled.Select(h => h.Sequence).Distinct().Count());
    }

    [Fact]
    public void Creating_a_node_checks_that_each_assigned_group_has_exactly_one_member()
    {
        var clock = new TestClock();
        var engine = Runtimes.Engine(clock);
        var options = Options(clock, []);

        var missing = Assert.Throws<ShoalConfigurationException>(() => ShoalNode.Create(engine, options));
        Assert.Equal("members", missing.Field);
        Assert.Contains($"'{Group}'", missing.Message, StringComparison.Ordinal);

        var unknown = Assert.Throws<ShoalConfigurationException>(() => ShoalNode.Create(engine, options, new Dictionary<string, ClusterMemberOptions>
        {
            [Group] = new() { MemberId = "m1" },
            ["other"] = new() { MemberId = "m1" },
        }));
        Assert.Contains("'other'", unknown.Message, StringComparison.Ordinal);

        var all = options with { Groups = [.. options.Groups.Select(g => g with { Options = g.Options with { PartitionOwnership = PartitionOwnership.All } })] };
        var notShared = Assert.Throws<ShoalConfigurationException>(() => ShoalNode.Create(engine, all, Members("m1")));
        Assert.Equal("GroupOptions.PartitionOwnership", notShared.Field);

        var badId = Assert.Throws<ShoalConfigurationException>(() => ShoalNode.Create(engine, options, Members("")));
        Assert.Equal("ClusterMemberOptions.MemberId", badId.Field);
    }

    private static Dictionary<string, ClusterMemberOptions> Members(string memberId) =>
        new() { [Group] = new ClusterMemberOptions { MemberId = memberId, Cluster = Cluster } };

    private static ShoalOptions Options(TestClock clock, ConcurrentBag<(string Group, int Sequence)> handled, bool withAudit = false)
    {
        GroupRegistration Registration(string name, PartitionOwnership ownership) => new()
        {
            Options = new GroupOptions
            {
                Name = name,
                Topic = Topic,
                PartitionOwnership = ownership,
                CommitInterval = TimeSpan.FromHours(1), // commits only on hand-over, on stop, or when the test asks
            },
            Handlers =
            [
                HandlerRegistration.For<Numbered>((e, _, _) =>
                {
                    handled.Add((name, e.Sequence));
                    return ValueTask.CompletedTask;
                }),
            ],
        };

        var shared = Registration(Group, PartitionOwnership.Assigned);
        var options = Runtimes.Options(Topic, Partitions, shared.Options, [.. shared.Handlers]) with
        {
            TimeProvider = clock,
            RandomSeed = null,
        };
        return withAudit ? options with { Groups = [.. options.Groups, Registration(Audit, PartitionOwnership.All)] } : options;
    }

    private static async Task PublishAsync(ShoalNode node, int count, int from = 0)
    {
        for (var i = from; i < from + count; i++)
        {
            await node.Runtime.Publisher.PublishAsync(Topic, $"k{i}", new Numbered($"k{i}", i));
        }
    }

    /// <summary>Until <paramref name="done"/> holds, moves the fake clock on by a heartbeat at a time (the members' steps).</summary>
    private static Task RunUntilAsync(TestClock clock, Func<bool> done, string what) =>
        Wait.UntilAsync(
            () =>
            {
                if (done())
                {
                    return true;
                }

                clock.Advance(TimeSpan.FromMilliseconds(100));
                return done();
            },
            what);

    /// <summary>Records every write to the coordination store (create, update, delete), in order.</summary>
    private sealed class RecordingEngine(IShoalEngine inner) : ForwardingEngine(inner)
    {
        public ConcurrentQueue<(string Op, string Key)> Writes { get; } = new();

        public override async ValueTask<long?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
        {
            var created = await Inner.Coordination.TryCreateAsync(key, value, cancellationToken);
            Record("create", key, created is not null);
            return created;
        }

        public override async ValueTask<long?> TryUpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken = default)
        {
            var updated = await Inner.Coordination.TryUpdateAsync(key, value, expectedRevision, cancellationToken);
            Record("update", key, updated is not null);
            return updated;
        }

        public override async ValueTask<bool> TryDeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken = default)
        {
            var deleted = await Inner.Coordination.TryDeleteAsync(key, expectedRevision, cancellationToken);
            Record("delete", key, deleted);
            return deleted;
        }

        private void Record(string op, string key, bool done)
        {
            if (done)
            {
                Writes.Enqueue((op, key));
            }
        }
    }
}
