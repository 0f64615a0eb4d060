using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Shoal.Cluster;
using Shoal.Cluster.Leases;
using Shoal.Engine;
using Shoal.Tests.Runtime;

namespace Shoal.Tests.Cluster;

/// <summary>
/// Several nodes of one group in one process, sharing one in-process engine, each with its own runtime and member. On
/// real time by default; given a <see cref="FakeTimeProvider"/>, every node and the engine run on it and a test moves
/// time on with <see cref="RunUntilAsync"/> (which <see cref="UntilAsync"/> and <see cref="BalancedAsync"/> use on a
/// fake clock). Time moves in lockstep: one heartbeat interval at a time, and only once every running node has beaten
/// and renewed its leases for the current time, so a node the machine is slow to schedule never misses a renewal
/// (on real time, a stall past the TTL loses leases). A node the test crashes or freezes is taken out of the lockstep
/// (<see cref="CrashAsync"/>, <see cref="Node.Lockstep"/>).
/// </summary>
internal sealed class ClusterHarness : IAsyncDisposable
{
    public const string Topic = "orders";
    public const string Group = "billing";

    /// <summary>
    /// The xunit collection of the cluster tests still on real time with short TTLs (the verbs, the demo, the dashboard),
    /// so never in parallel with other tests. Tests on a fake clock need not be in it: the lockstep absorbs stalls.
    /// </summary>
    public const string Collection = "Cluster (real time)";

    /// <summary>Real time the lockstep waits for one node to catch up before it reports that node as stuck.</summary>
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(10);

    private readonly List<Node> _nodes = [];

    public ClusterHarness(int partitions, TimeSpan? heartbeat = null, TimeSpan? ttl = null, FakeTimeProvider? clock = null)
    {
        Partitions = partitions;
        Clock = clock;
        Engine = Runtimes.Engine(clock);
        Cluster = new ClusterOptions { HeartbeatInterval = heartbeat ?? TimeSpan.FromMilliseconds(50), SessionTtl = ttl ?? TimeSpan.FromMilliseconds(400) };
    }

    public int Partitions { get; }

    /// <summary>The fake clock every node runs on, or null on real time.</summary>
    public FakeTimeProvider? Clock { get; }

    public IShoalEngine Engine { get; }

    public ClusterOptions Cluster { get; }

    /// <summary>Every (key, sequence, member, partition) handled, in the order handled.</summary>
    public ConcurrentQueue<(string Key, int Sequence, string Member, int Partition)> Handled { get; } = new();

    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>
    /// Starts a node on <paramref name="engine"/> (default: the shared one). <paramref name="before"/> runs before an event is
    /// recorded as handled (throw to fail it); <paramref name="group"/> and <paramref name="member"/> adjust the defaults.
    /// </summary>
    public async Task<Node> StartNodeAsync(
        string memberId,
        IShoalEngine? engine = null,
        Func<Numbered, EventContext, CancellationToken, ValueTask>? before = null,
        Func<GroupOptions, GroupOptions>? group = null,
        Func<ClusterMemberOptions, ClusterMemberOptions>? member = null)
    {
        var groupOptions = new GroupOptions { Name = Group, Topic = Topic, PartitionOwnership = PartitionOwnership.Assigned, CommitInterval = TimeSpan.FromMilliseconds(50) };
        groupOptions = group?.Invoke(groupOptions) ?? groupOptions;
        var handler = HandlerRegistration.For<Numbered>(async (e, ctx, ct) =>
        {
            if (before is not null)
            {
                await before(e, ctx, ct);
            }

            Handled.Enqueue((e.Key, e.Sequence, memberId, ctx.Partition));
        });
        var runtime = ShoalRuntime.Create(engine ?? Engine, Runtimes.Options(Topic, Partitions, groupOptions, handler) with
        {
            RandomSeed = null,
            TimeProvider = (TimeProvider?)Clock ?? TimeProvider.System,
        });
        await runtime.StartAsync();
        var memberOptions = new ClusterMemberOptions { MemberId = memberId, Cluster = Cluster };
        var clusterMember = ClusterMember.Create(runtime, Group, member?.Invoke(memberOptions) ?? memberOptions);
        await clusterMember.StartAsync();
        var node = new Node(memberId, runtime, clusterMember);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Waits (on a fake clock: runs) until the live nodes' leases cover every partition exactly once, spread within ±1.</summary>
    public Task BalancedAsync(IReadOnlyCollection<Node> live, double seconds = 10) =>
        UntilAsync(() =>
        {
            var counts = live.Select(n => n.Member.OwnedPartitions.Count).ToList();
            var owned = live.SelectMany(n => n.Member.OwnedPartitions.Keys).ToList();
            return owned.Count == Partitions && owned.Distinct().Count() == Partitions && counts.Max() - counts.Min() <= 1;
        }, "every partition owned by exactly one live member, balanced", seconds);

    /// <summary>Crashes <paramref name="node"/> (<see cref="ClusterMember.AbandonAsync"/>: no hand-over, no commit, no release) and takes it out of the lockstep.</summary>
    public async Task CrashAsync(Node node)
    {
        node.Lockstep = false;
        await node.Member.AbandonAsync();
    }

    /// <summary>Stops <paramref name="node"/> gracefully (<see cref="ClusterMember.StopAsync"/>) and takes it out of the lockstep.</summary>
    public async Task LeaveAsync(Node node)
    {
        node.Lockstep = false;
        await node.Member.StopAsync();
    }

    public async Task PublishAsync(int keys, int perKey, int from = 0)
    {
        var publisher = _nodes[0].Runtime.Publisher;
        var batch = new List<OutgoingEvent<Numbered>>();
        for (var s = from; s < from + perKey; s++)
        {
            for (var k = 0; k < keys; k++)
            {
                batch.Add(new OutgoingEvent<Numbered>($"key-{k}", new Numbered($"key-{k}", s)));
            }
        }

        await publisher.PublishBatchAsync(Topic, batch);
    }

    /// <summary>Per key: every sequence 0..n-1 handled, and never one before all earlier ones were (at-least-once order).</summary>
    public (int Missing, int OrderViolations, int Duplicates) Check(int keys, int perKey)
    {
        var seen = new Dictionary<string, HashSet<int>>();
        var contiguous = new Dictionary<string, int>();
        int violations = 0, duplicates = 0;
        foreach (var (key, sequence, _, _) in Handled)
        {
            var set = seen.TryGetValue(key, out var s) ? s : seen[key] = [];
            var next = contiguous.GetValueOrDefault(key);
            if (!set.Add(sequence))
            {
                duplicates++;
            }
            else if (sequence > next)
            {
                violations++;
            }

            while (set.Contains(next))
            {
                next++;
            }

            contiguous[key] = next;
        }

        var missing = 0;
        for (var k = 0; k < keys; k++)
        {
            var set = seen.GetValueOrDefault($"key-{k}") ?? [];
            missing += Enumerable.Range(0, perKey).Count(s => !set.Contains(s));
        }

        return (missing, violations, duplicates);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.Member.DisposeAsync();
            await node.Runtime.DisposeAsync();
        }

        await Engine.DisposeAsync();
    }

    /// <summary>
    /// Like <see cref="Wait.UntilAsync(Func{bool}, string, double)"/>, adding every node's state to the timeout message;
    /// on a fake clock, <see cref="RunUntilAsync"/>.
    /// </summary>
    public async Task UntilAsync(Func<bool> condition, string what, double seconds = 5)
    {
        if (Clock is not null)
        {
            await RunUntilAsync(condition, what, seconds);
            return;
        }

        try
        {
            await Wait.UntilAsync(condition, what, seconds);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Describe()}", e);
        }
    }

    /// <summary>
    /// On the fake clock: until <paramref name="condition"/> holds, runs <paramref name="eachStep"/> (if given), moves time
    /// on by one heartbeat interval and waits until every running node has caught up with it (see
    /// <see cref="CaughtUpAsync"/>), failing after <paramref name="seconds"/> of real time with every node's state.
    /// </summary>
    public async Task RunUntilAsync(Func<bool> condition, string what, double seconds = 10, Func<Task>? eachStep = null)
    {
        var clock = Clock ?? throw new InvalidOperationException("RunUntilAsync needs a harness on a fake clock.");
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {seconds}s (real time; {clock.GetUtcNow():HH:mm:ss.fff} on the fake clock) waiting for: {what}\n{Describe()}");
            }

            if (eachStep is not null)
            {
                await eachStep();
            }

            await StepAsync();
        }
    }

    /// <summary>Moves the fake clock on by one heartbeat interval and waits until every running node has caught up with it.</summary>
    public async Task StepAsync()
    {
        var clock = Clock ?? throw new InvalidOperationException("StepAsync needs a harness on a fake clock.");
        clock.Advance(Cluster.HeartbeatInterval);
        await CaughtUpAsync();
    }

    /// <summary>
    /// Waits (real time) until every node in the lockstep has written its heartbeat for the fake clock's current time
    /// and no lease record naming it would expire by the next tick. So no running node's record or lease can expire, however
    /// slowly the machine runs it: time waits for it. (Leases are not required to be renewed at this very tick: a member
    /// step woken between two ticks, or one the clock moved on under, schedules its next one a whole interval after it
    /// ends, and requiring more would stop the clock forever.) On a <see cref="TestClock"/> it also waits until every
    /// member loop has finished its step and waits for the next beat, so steps never span two ticks. And it waits until
    /// every member's membership view has seen every change of the member records (a leave included) and its loop has
    /// stepped on that view: a watch's changes wait on the thread pool, and time must not run on without them.
    /// </summary>
    public Task CaughtUpAsync() =>
        CaughtUpAsync(
            Engine,
            Clock ?? throw new InvalidOperationException("CaughtUpAsync needs a harness on a fake clock."),
            Cluster,
            _nodes.Where(n => n.Lockstep).Select(n => n.Member).ToList(),
            Describe);

    /// <summary>
    /// <see cref="CaughtUpAsync()"/> for members of group <see cref="Group"/> on topic <see cref="Topic"/> that are not
    /// a harness's nodes (members in generic hosts), on <paramref name="engine"/> and <paramref name="clock"/>.
    /// </summary>
    public static async Task CaughtUpAsync(IShoalEngine engine, FakeTimeProvider clock, ClusterOptions cluster, IReadOnlyCollection<ClusterMember> members, Func<string>? describe = null)
    {
        var now = clock.GetUtcNow();
        var nextTickMs = (now + cluster.HeartbeatInterval).ToUnixTimeMilliseconds();
        var leases = new PartitionLeases(engine.Coordination, Topic, Group, clock, cluster.SessionTtl);
        var started = DateTime.UtcNow;
        while (true)
        {
            var lagging = await LaggingAsync();
            if (lagging.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow - started > CatchUpLimit)
            {
                throw new TimeoutException($"Members [{string.Join(", ", lagging)}] did not catch up with {now:HH:mm:ss.fff} on the fake clock in {CatchUpLimit.TotalSeconds}s of real time (stuck? then take them out of the lockstep)\n{describe?.Invoke()}");
            }

            await Task.Delay(1);
        }

        async Task<List<string>> LaggingAsync()
        {
            var memberRecords = await engine.Coordination.ListAsync(CoordinationKeys.GroupMembersPrefix(Group));
            var beats = (await ClusterRecords.ListMembersAsync(engine.Coordination, Group)).ToDictionary(r => r.MemberId, r => r.HeartbeatAt);
            var records = await leases.ListAsync(CancellationToken.None);
            var lagging = new List<string>();
            if (clock is TestClock && members.Count(m => m.WaitingForBeat) is var idle && idle < members.Count)
            {
                // Each member loop, once its step is done, waits for the next beat: until every loop waits, a step is
                // running, and moving time under it would shift its phase (its next step would come an interval after it
                // ends, later than the renewals its leases need). The loop says so itself: counting one-shot timers of one
                // interval also counted the membership watch's expiry timer whenever it had an interval left.
                lagging.Add($"member loops: {idle} of {members.Count} waiting for the next beat");
            }

            foreach (var member in members)
            {
                var id = member.MemberId;

                // A watch delivers on the thread pool, which a busy machine may leave waiting while the clock's timers run
                // every beat at once: without this, time ran on while a member's view still held a member that had left
                // (its hand-over then waited for the record's TTL), or lacked one that had joined.
                if (!member.Membership.Reflects(memberRecords))
                {
                    lagging.Add($"{id} (its membership view has not seen every change of the member records yet)");
                }
                else if (member.StepVersion < member.Membership.Version)
                {
                    lagging.Add($"{id} (its loop has not stepped on membership view {member.Membership.Version} yet)");
                }

                var beaten = beats.TryGetValue(id, out var at) && at >= now;
                // Every lease record naming the member, not only those it lists as owned: a lease is acquired before
                // its partition starts and shows in OwnedPartitions only once it has.
                var mine = records.Values.Where(l => l.Owner == id).ToList();
                var renewed = mine.All(l => l.ExpiresAtMs > nextTickMs);
                if (!beaten || !renewed)
                {
                    lagging.Add($"{id} (beat at {(beats.TryGetValue(id, out var a) ? a.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) : "none")}, "
                        + $"leases expiring [{string.Join(", ", mine.Select(l => $"{l.Partition}@{l.Epoch}:{DateTimeOffset.FromUnixTimeMilliseconds(l.ExpiresAtMs):HH:mm:ss.fff}"))}])");
                }
            }

            return lagging;
        }
    }

    /// <summary>Every node: owned partitions with epochs, live members it sees, leases lost, commits rejected, counts.</summary>
    public string Describe() => string.Join('\n', _nodes.Select(n =>
        $"{n.Id}: owns [{string.Join(", ", n.Member.OwnedPartitions.OrderBy(p => p.Key).Select(p => $"{p.Key}@{p.Value}"))}] " +
        $"target [{string.Join(", ", n.Member.TargetAssignment.PartitionsOf(n.Id))}] live [{string.Join(", ", n.Member.LiveMembers)}] " +
        $"leasesLost {n.Member.LeasesLost} commitsRejected {n.Group.CommitsRejected} counts {n.Group.Counts} " +
        $"partitions [{string.Join(", ", n.Group.Partitions.Select(p => $"{p.Partition}@{p.Epoch}:{p.Committed}/{p.Processed}"))}]"));

    /// <summary>Starts recording every write to the group's offset records, once it has seen all of them.</summary>
    public async Task<OffsetWatch> WatchOffsetsAsync()
    {
        var watch = new OffsetWatch(Engine.Coordination, CoordinationKeys.Offset(Topic, Group, 0)[..^1]);
        await Wait.UntilAsync(() => watch.PartitionsSeen >= Partitions, "the offset watch saw every partition's record", 5);
        return watch;
    }

    /// <summary>Starts recording every write to the group's lease records.</summary>
    public LeaseWatch WatchLeases() => new(Engine.Coordination, CoordinationKeys.GroupLeasesPrefix(Topic, Group));

    internal sealed record Node(string Id, ShoalRuntime Runtime, ClusterMember Member)
    {
        public ConsumerGroup Group => Runtime.GetGroup(ClusterHarness.Group);

        /// <summary>
        /// Whether the fake clock waits for this node (see <see cref="CaughtUpAsync"/>); a test that freezes a node
        /// sets it false for as long as the node is frozen, or time would never move on.
        /// </summary>
        public bool Lockstep { get; set; } = true;
    }
}
