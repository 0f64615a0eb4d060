using System.Diagnostics;
using System.Text.Json;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Serialization;

namespace Shoal.Scenarios.Demo;

/// <summary>
/// The demo as a cluster: <see cref="DemoSettings.Nodes"/> members of one group in this process, each with its own
/// runtime and cluster member, talking to each other only through the shared in-process engine's SPI. During the
/// run, members join (at 25 % of publishing), crash (at 50 %: no hand-over, no commit, no release) and pause
/// for twice the session TTL (at 60 %), and the verifier, the probe and the offset-record watcher check that
/// nothing is lost or reordered and that no zombie commit is accepted.
/// </summary>
internal sealed class ClusterDemoRunner
{
    private const string Group = "demo-verify";
    private const int MaxBacklog = 64 * 1024;
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(20);

    private readonly DemoSettings _settings;
    private readonly GuaranteeChecker _verifier;
    private readonly EngineServices _engineServices;
    private readonly ClusterProbe _probe;
    private readonly List<Node> _nodes = [];
    private IShoalEngine _engine = null!;
    private string _topic = "demo";

    public ClusterDemoRunner(DemoSettings settings, GuaranteeChecker verifier, EngineServices engineServices)
    {
        _settings = settings;
        _verifier = verifier;
        _engineServices = engineServices;
        _probe = new ClusterProbe(settings.Partitions);
    }

    public async Task<DemoReport> RunAsync(IDemoProgress progress, CancellationToken cancellationToken)
    {
        var (engine, topic) = await DemoEngine.OpenAsync(_settings, _engineServices, TimeSpan.FromMilliseconds(100), cancellationToken);
        await using var _ = engine;
        _engine = engine;
        _topic = topic;
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var commitWatch = _probe.WatchCommitsAsync(engine.Coordination, _topic, Group, watching.Token);
        await using var producerRuntime = ShoalRuntime.Create(engine, BaseOptions());
        await producerRuntime.StartAsync(cancellationToken);

        for (var i = 0; i < _settings.Nodes; i++)
        {
            await StartNodeAsync(cancellationToken);
        }

        await WaitUntilBalancedAsync(cancellationToken);
        var stallWatch = Task.Run(() => _probe.MonitorStallsAsync(engine, _topic, ProcessedPosition, watching.Token), CancellationToken.None);
        var clock = Stopwatch.StartNew();
        long produced = 0;
        // Keep the backlog bounded, as a real producer facing a busy cluster would be: an unbounded backlog only grows the
        // heap, and its full collections are pauses every partition shares.
        var producer = DemoProducer.RunAsync(
            producerRuntime.Publisher,
            _topic,
            _settings,
            count => Interlocked.Add(ref produced, count),
            async ct =>
            {
                while (Volatile.Read(ref produced) - _verifier.DistinctSoFar() > MaxBacklog)
                {
                    await Task.Delay(1, ct);
                }
            },
            cancellationToken);
        bool joined = false, killed = false, paused = false;
        var pauses = new List<Task>();
        var lastCount = -1L;
        var lastMove = clock.Elapsed;
        while (true)
        {
            var done = (double)Volatile.Read(ref produced) / _settings.Events;
            if (!joined && _settings.Join > 0 && done >= 0.25)
            {
                joined = true;
                _probe.RebalanceStarted();
                for (var i = 0; i < _settings.Join; i++)
                {
                    await StartNodeAsync(cancellationToken);
                }
            }

            if (!killed && _settings.Kill > 0 && done >= 0.5)
            {
                killed = true;
                _probe.RebalanceStarted();
                await CrashAsync();
            }

            if (!paused && _settings.Pause > 0 && done >= 0.6)
            {
                paused = true;
                _probe.RebalanceStarted();
                pauses.AddRange(_nodes.Where(n => !n.Crashed).Take(_settings.Pause).Select(PauseAsync));
            }

            if (_probe.RebalanceOpen && IsBalanced())
            {
                _probe.RebalanceEnded();
            }

            var handled = _verifier.DistinctSoFar();
            Report(progress, handled, Volatile.Read(ref produced), clock.Elapsed);
            if (producer.IsCompleted && handled >= Volatile.Read(ref produced) && pauses.All(p => p.IsCompleted))
            {
                break;
            }

            if (handled != lastCount)
            {
                (lastCount, lastMove) = (handled, clock.Elapsed);
            }
            else if (clock.Elapsed - lastMove > StallLimit)
            {
                break;
            }

            await Task.Delay(Tick, cancellationToken);
        }

        var elapsed = clock.Elapsed;
        await producer;

        // Let the cluster settle (a resumed zombie drops the leases it lost, rejoins and takes its share) before
        // reading the final assignment.
        try
        {
            await WaitUntilBalancedAsync(cancellationToken);
        }
        catch (ShoalException)
        {
            // Reported as it is: the assignment below shows what did not settle.
        }

        var assignment = _nodes.Where(n => !n.Crashed).ToDictionary(n => n.Id, n => n.Member.OwnedPartitions.Keys.Order().ToArray());
        var rejected = _nodes.Sum(n => n.Runtime.GetGroup(Group).CommitsRejected);
        foreach (var node in _nodes)
        {
            // A crashed node's member was abandoned: stopping it does nothing more; the runtime stops either way.
            await node.Shoal.StopAsync(cancellationToken);
            await node.Shoal.DisposeAsync();
        }

        await watching.CancelAsync();
        await commitWatch;
        await stallWatch;
        progress.Handled(_verifier.DistinctSoFar());
        var rebalancePause = _probe.RebalancePause();
        var steadyPause = _probe.SteadyPause();
        return _verifier.Build(_settings, Volatile.Read(ref produced), elapsed, Process.GetCurrentProcess().PeakWorkingSet64) with
        {
            Nodes = _settings.Nodes + _settings.Join,
            ZombieCommitsRejected = rejected,
            ZombieCommitsAccepted = _probe.ZombieCommitsAccepted,
            FailoverMs = _probe.FailoverMs(),
            RebalancePauseMs = rebalancePause.Ms,
            RebalancePauseGcMs = rebalancePause.GcMs,
            SteadyPauseMs = steadyPause.Ms,
            SteadyPauseGcMs = steadyPause.GcMs,
            Assignment = assignment,
        };
    }

    private ShoalOptions BaseOptions() => new()
    {
        Topics = [new TopicOptions { Name = _topic, Partitions = _settings.Partitions, Format = _settings.Format }],
        EventTypes = new EventTypeRegistry().Add<DemoEvent>("demo-event"),
        Serializers = EventSerializers.CreateDefault(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = DemoJsonContext.Default })
            .WithMessagePack().WithProtobuf(),
    };

    private async Task StartNodeAsync(CancellationToken cancellationToken)
    {
        var index = _nodes.Count;
        var id = $"node-{index + 1}";
        var engine = new PausableEngine(_engine);
        Node? node = null;
        var work = _settings.HandlerWork;
        var handler = HandlerRegistration.For<DemoEvent>(async (e, context, ct) =>
        {
            var self = node!;
            if (self.Crashed)
            {
                await Task.Delay(Timeout.Infinite, ct); // a crashed process handles nothing more
            }

            await self.Engine.WhileRunningAsync(ct);
            if (work > TimeSpan.Zero)
            {
                await Task.Delay(work, ct);
            }

            _probe.Observe(index, context.Partition);
            _verifier.Record(e.Key, e.Sequence);
        });
        var options = BaseOptions() with
        {
            Groups =
            [
                new GroupRegistration
                {
                    Options = new GroupOptions
                    {
                        Name = Group,
                        Topic = _topic,
                        MaxConcurrency = _settings.Concurrency,
                        CommitInterval = TimeSpan.FromMilliseconds(100),
                        PartitionOwnership = PartitionOwnership.Assigned,
                    },
                    Handlers = [handler],
                },
            ],
        };
        var shoal = ShoalNode.Create(engine, options, new Dictionary<string, ClusterMemberOptions>
        {
            [Group] = new ClusterMemberOptions
            {
                MemberId = id,
                Assignor = _settings.Assignor,
                Cluster = new ClusterOptions { HeartbeatInterval = _settings.Heartbeat, SessionTtl = _settings.SessionTtl },
            },
        });
        node = new Node(index, id, engine, shoal);
        lock (_nodes)
        {
            _nodes.Add(node);
        }

        await shoal.StartAsync(cancellationToken);
    }

    private async Task CrashAsync()
    {
        // The last initial members that are not the ones to pause.
        foreach (var node in _nodes.Take(_settings.Nodes).Reverse().Take(_settings.Kill))
        {
            node.Crashed = true;
            _probe.Crashed(node.Index, node.Member.OwnedPartitions.Keys);
            await node.Member.AbandonAsync();
        }
    }

    /// <summary>How far the current owner of <paramref name="partition"/> has processed it (the furthest among members that hold it).</summary>
    private long ProcessedPosition(int partition)
    {
        long position = 0;
        Node[] nodes;
        lock (_nodes)
        {
            nodes = [.. _nodes];
        }

        foreach (var node in nodes)
        {
            if (node.Crashed || !node.Joined)
            {
                continue;
            }

            foreach (var progress in node.Runtime.GetGroup(Group).Partitions)
            {
                if (progress.Partition == partition)
                {
                    position = Math.Max(position, progress.Processed);
                }
            }
        }

        return position;
    }

    private async Task PauseAsync(Node node)
    {
        await node.Engine.PauseAsync(_settings.SessionTtl * 2, CancellationToken.None);
        _probe.RebalanceStarted(); // the zombie comes back and rejoins
    }

    /// <summary>Every partition held exactly once by members that are neither crashed nor paused, evenly for the even assignors.</summary>
    private bool IsBalanced()
    {
        var running = _nodes.Where(n => !n.Crashed && !n.Engine.IsPaused).ToList();
        var owned = running.SelectMany(n => n.Member.OwnedPartitions.Keys).ToList();
        var counts = running.Select(n => n.Member.OwnedPartitions.Count).ToList();
        return owned.Count == _settings.Partitions && owned.Distinct().Count() == owned.Count
            && (_settings.Assignor is AssignorKind.Weighted or AssignorKind.ConsistentHashing || counts.Max() - counts.Min() <= 1);
    }

    private async Task WaitUntilBalancedAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (IsBalanced())
            {
                return;
            }

            await Task.Delay(Tick, cancellationToken);
        }

        throw new ShoalException($"The {_nodes.Count} members did not share the {_settings.Partitions} partitions within 30 s.");
    }

    private void Report(IDemoProgress progress, long handled, long produced, TimeSpan elapsed)
    {
        progress.Handled(handled);
        var members = _nodes.Select(n => new MemberSnapshot(
            n.Id,
            n.Crashed ? "crashed" : n.Engine.IsPaused ? "paused" : "live",
            n.Crashed ? new Dictionary<int, long>() : n.Member.OwnedPartitions,
            n.Runtime.GetGroup(Group).Counts.Handled)).ToList();
        progress.Cluster(new ClusterSnapshot(members, produced, handled, Math.Max(0, produced - handled), elapsed.TotalSeconds > 0 ? handled / elapsed.TotalSeconds : 0));
    }

    private sealed class Node(int index, string id, PausableEngine engine, ShoalNode shoal)
    {
        public int Index { get; } = index;

        public string Id { get; } = id;

        public PausableEngine Engine { get; } = engine;

        public ShoalNode Shoal { get; } = shoal;

        public ShoalRuntime Runtime => Shoal.Runtime;

        /// <summary>True once the node's runtime started and its member was created (it joins the group).</summary>
        public bool Joined => Shoal.Members.Count > 0;

        /// <summary>The node's member of the group (once <see cref="Joined"/>).</summary>
        public ClusterMember Member => Shoal.GetMember(Group);

        public volatile bool Crashed;
    }
}
