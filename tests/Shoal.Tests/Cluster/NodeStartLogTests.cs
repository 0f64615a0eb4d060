using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Tests.Hosting;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Cluster;

/// <summary>
/// What a node logs as it starts, on a fake clock: one line each for its engine (without credentials), its groups and
/// its member id; and a member that joins a group says nothing about membership or a plan before it has seen the
/// group's members, even when the store is slow to show them.
/// </summary>
public sealed class NodeStartLogTests
{
    private const string Topic = "orders";
    private const string Group = "billing";
    private const string Audit = "audit";
    private const int Partitions = 4;
    private const int MembershipChanged = 2111;
    private const int TargetAssignment = 2205;

    private static readonly ClusterOptions Cluster = new() { HeartbeatInterval = TimeSpan.FromSeconds(1), SessionTtl = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task A_member_joining_a_group_neither_logs_an_empty_membership_nor_plans_before_it_has_seen_the_group()
    {
        var clock = new TestClock();
        await using var engine = Runtimes.Engine(clock);
        var first = new CapturingLoggerProvider();
        var joining = new CapturingLoggerProvider();
        using var firstFactory = first.Factory();
        using var joiningFactory = joining.Factory();
        await using var a = ShoalNode.Create(engine, Options(clock, firstFactory), Members("a"));

        // The joining node meets a store that is slow to show it the group: its first listing of the members fails, and
        // its watch delivers nothing before a listing has succeeded (a NATS KV watch's initial entries arrive late).
        await using var b = ShoalNode.Create(new SlowToShowTheGroup(engine), Options(clock, joiningFactory), Members("b"));

        await a.StartAsync();
        await Wait.UntilAsync(() => a.GetMember(Group).OwnedPartitions.Count == Partitions, "a took every partition");
        await b.StartAsync();
        await RunUntilAsync(clock, () => a.GetMember(Group).OwnedPartitions.Count == 2 && b.GetMember(Group).OwnedPartitions.Count == 2, "a handed half over to b");

        Assert.DoesNotContain(joining.Entries, e => e.EventId == MembershipChanged && e.Message.Contains("0 live", StringComparison.Ordinal));
        Assert.DoesNotContain(first.Entries, e => e.EventId == MembershipChanged && e.Message.Contains("0 live", StringComparison.Ordinal));

        // The first member's first view is itself; the joining member's first view already holds both.
        Assert.Contains("1 live (a)", first.Entries.First(e => e.EventId == MembershipChanged).Message, StringComparison.Ordinal);
        Assert.Contains("2 live (a,b)", joining.Entries.First(e => e.EventId == MembershipChanged).Message, StringComparison.Ordinal);

        // Every plan the joining member logged shares the partitions with a: it never planned all of them for itself.
        var plans = joining.Entries.Where(e => e.EventId == TargetAssignment).ToList();
        Assert.NotEmpty(plans);
        Assert.All(plans, p => Assert.Contains("a: ", p.Message, StringComparison.Ordinal));
        Assert.DoesNotContain(plans, p => p.Message.Contains("b: 0,1,2,3", StringComparison.Ordinal));

        // A plan is one line: "a: 0,1; b: 2,3".
        Assert.DoesNotContain(first.Entries.Concat(joining.Entries), e => e.Message.Contains('\n', StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_nodeLinessays_at_start_what_it_is_in_one_line_each_engine_groups_and_member_id_without_credentials()
    {
        var clock = new TestClock();
        var logs = new CapturingLoggerProvider();
        using var factory = logs.Factory();
        await using var engine = new NamedEngine(Runtimes.Engine(clock), "nats://alice:s3cret@h1:4222,h2:4222?token=t0ps3cret");
        var options = Options(clock, factory);
        options = options with
        {
            Groups =
            [
                .. options.Groups,
                new GroupRegistration
                {
                    Options = new GroupOptions { Name = Audit, Topic = Topic },
                    Handlers = [HandlerRegistration.For<Numbered>((_, _, _) => ValueTask.CompletedTask)],
                },
            ],
        };
        await using var node = ShoalNode.Create(engine, options, Members("node-7"));

        await node.StartAsync();
        await Wait.UntilAsync(() => node.GetMember(Group).OwnedPartitions.Count == Partitions, "the only member took every partition");

        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("s3cret", StringComparison.Ordinal) || e.Message.Contains("t0ps3cret", StringComparison.Ordinal));
        var nodeLines = logs.Entries.Where(e => e.Category == "Shoal.Node").ToList();
        Assert.Equal(3, nodeLines.Count);
        Assert.All(nodeLines, e => Assert.Equal(LogLevel.Information, e.Level));

        var engineLine = Assert.Single(nodeLines, e => e.Message.Contains("engine", StringComparison.Ordinal));
        Assert.Contains("nats://alice:***@h1:4222,h2:4222?token=***", engineLine.Message, StringComparison.Ordinal);

        var groupsLine = Assert.Single(nodeLines, e => e.Message.Contains("group", StringComparison.Ordinal) && !e.Message.Contains("member", StringComparison.Ordinal));
        Assert.Contains($"{Group} (topic {Topic}, partitions assigned by the cluster)", groupsLine.Message, StringComparison.Ordinal);
        Assert.Contains($"{Audit} (topic {Topic}, every partition)", groupsLine.Message, StringComparison.Ordinal);

        var memberLine = Assert.Single(nodeLines, e => e.Message.Contains("member", StringComparison.Ordinal));
        Assert.Contains($"member node-7 of group {Group}", memberLine.Message, StringComparison.Ordinal);

        // In that order, before the first partition starts.
        var all = logs.Entries.ToList();
        Assert.True(all.IndexOf(engineLine) < all.IndexOf(groupsLine) && all.IndexOf(groupsLine) < all.IndexOf(memberLine), "engine, then groups, then member");
        Assert.True(all.IndexOf(groupsLine) < all.FindIndex(e => e.EventId == 1001), "described before the first partition started");
    }

    private static ShoalOptions Options(TestClock clock, ILoggerFactory logging) =>
        Runtimes.Options(Topic, Partitions, new GroupOptions
        {
            Name = Group,
            Topic = Topic,
            PartitionOwnership = PartitionOwnership.Assigned,
            CommitInterval = TimeSpan.FromHours(1),
        }, HandlerRegistration.For<Numbered>((_, _, _) => ValueTask.CompletedTask)) with
        {
            TimeProvider = clock,
            RandomSeed = null,
            LoggerFactory = logging,
        };

    private static Dictionary<string, ClusterMemberOptions> Members(string memberId) =>
        new() { [Group] = new ClusterMemberOptions { MemberId = memberId, Cluster = Cluster } };

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

    /// <summary>
    /// The group's member records are hard to see at first: the first listing of them fails, and the watch of them
    /// delivers nothing until a listing has succeeded.
    /// </summary>
    private sealed class SlowToShowTheGroup(IShoalEngine inner) : ForwardingEngine(inner, ownsInner: false)
    {
        private readonly TaskCompletionSource _listed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _listings;

        public override async ValueTask<IReadOnlyList<KvEntry>> ListAsync(string prefix, CancellationToken cancellationToken = default)
        {
            if (prefix != CoordinationKeys.GroupMembersPrefix(Group))
            {
                return await Inner.Coordination.ListAsync(prefix, cancellationToken);
            }

            if (Interlocked.Increment(ref _listings) == 1)
            {
                throw new EngineException("no answer yet (test)", isTransient: true);
            }

            var entries = await Inner.Coordination.ListAsync(prefix, cancellationToken);
            _listed.TrySetResult();
            return entries;
        }

        public override async IAsyncEnumerable<KvChange> WatchAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (prefix == CoordinationKeys.GroupMembersPrefix(Group))
            {
                await _listed.Task.WaitAsync(cancellationToken);
            }

            await foreach (var change in Inner.Coordination.WatchAsync(prefix, cancellationToken))
            {
                yield return change;
            }
        }
    }

    /// <summary>An engine whose name is a URI with credentials in it, as a NATS engine opened from such a URI might report.</summary>
    private sealed class NamedEngine(IShoalEngine inner, string name) : ForwardingEngine(inner)
    {
        public override string Name => name;
    }
}
