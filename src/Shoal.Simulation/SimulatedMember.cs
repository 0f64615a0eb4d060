using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Serialization;

namespace Shoal.Simulation;

/// <summary>One incarnation of a group member: its engine connection (with faults) and its node (runtime and cluster member).</summary>
internal sealed class SimulatedMember
{
    private readonly string _group;

    private SimulatedMember(string id, int incarnation, SimulatedEngine engine, VirtualClock clock, Random random, string group)
    {
        _group = group;
        Id = id;
        Incarnation = incarnation;
        Engine = engine;
        Clock = clock;
        Random = random;
    }

    public string Id { get; }

    public int Incarnation { get; }

    public SimulatedEngine Engine { get; }

    public VirtualClock Clock { get; }

    public Random Random { get; }

    public ShoalNode Node { get; private set; } = null!;

    public ClusterMember Member => Node.GetMember(_group);

    public AssignorKind Assignor { get; private set; }

    /// <summary>Handlers take twenty times longer (a slow node).</summary>
    public bool Slow { get; set; }

    public bool Crashed => Engine.Crashed;

    public bool Stopped { get; private set; }

    public static async Task<SimulatedMember> StartAsync(
        string id, int incarnation, IShoalEngine shared, SimulationScheduler scheduler, ChaosRecorder recorder,
        ChaosSettings settings, ChaosWorkload workload, AssignorKind assignor, int seed, TopicOptions topic, string group)
    {
        var random = new Random(seed);
        var engine = new SimulatedEngine($"{id}.{incarnation}", shared, recorder, scheduler.Clock, new Random(seed ^ 0x5bd1e995));
        var member = new SimulatedMember(id, incarnation, engine, scheduler.Clock, random, group) { Assignor = assignor };
        var handler = new ChaosHandler(member, recorder, workload);
        var options = new ShoalOptions
        {
            Topics = [topic],
            EventTypes = new EventTypeRegistry().Add<ChaosEvent>("chaos"),
            Groups =
            [
                new GroupRegistration
                {
                    Options = new GroupOptions
                    {
                        Name = group,
                        Topic = topic.Name,
                        PartitionOwnership = PartitionOwnership.Assigned,
                        MaxConcurrency = settings.MaxConcurrency,
                        MaxInFlight = settings.MaxInFlight,
                        FetchBatchSize = Math.Min(16, settings.MaxInFlight),
                        HandlerTimeout = TimeSpan.FromSeconds(2),
                        Retry = new RetryOptions { MaxAttempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(50) },
                        PoisonKeyPolicy = PoisonKeyPolicy.Skip,
                        CommitInterval = TimeSpan.FromMilliseconds(100),
                        DrainTimeout = TimeSpan.FromSeconds(1),
                    },
                    Handlers = [HandlerRegistration.For<ChaosEvent>(handler)],
                },
            ],
            TimeProvider = scheduler.Clock,
            RandomSeed = seed,
            Scheduler = scheduler.TaskScheduler,
        };
        options = settings.ConfigureRuntime?.Invoke(options) ?? options;
        var memberOptions = new ClusterMemberOptions
        {
            MemberId = id,
            Assignor = assignor,
            Cluster = new ClusterOptions { HeartbeatInterval = settings.Heartbeat, SessionTtl = settings.SessionTtl },
        };
        memberOptions = settings.ConfigureMember?.Invoke(memberOptions) ?? memberOptions;
        member.Node = ShoalNode.Create(engine, options, new Dictionary<string, ClusterMemberOptions> { [group] = memberOptions });
        await member.Node.StartAsync();
        return member;
    }

    /// <summary>Dies at once: nothing more runs, nothing is committed or released.</summary>
    public void Crash()
    {
        Engine.Crashed = true;
        Engine.Resume();
        _ = Member.AbandonAsync();
    }

    /// <summary>Leaves gracefully: hands its partitions over, then stops.</summary>
    public async Task LeaveAsync()
    {
        Stopped = true;
        await Node.StopAsync();
    }
}
