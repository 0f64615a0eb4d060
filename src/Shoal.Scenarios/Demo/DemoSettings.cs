namespace Shoal.Scenarios.Demo;

/// <summary>The parsed options of <c>shoal demo</c>.</summary>
public sealed record DemoSettings
{
    /// <summary>The key index of the n-th published event (0-based, in publish order).</summary>
    internal int KeyOf(long eventNumber) => (int)(eventNumber % Keys);

    /// <summary>The sequence (within its key) of the n-th published event.</summary>
    internal long SequenceOf(long eventNumber) => eventNumber / Keys;

    /// <summary>
    /// Per key, how many sequences the run can publish: the capacity of its <see cref="Shoal.Cluster.GuaranteeChecker"/>.
    /// Keys at or beyond the event count never get an event: they need no state.
    /// </summary>
    internal long[] Capacity()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Events, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Keys, 1);
        var capacity = new long[(int)Math.Min(Keys, Events)];
        Array.Fill(capacity, (Events + Keys - 1) / Keys);
        return capacity;
    }

    /// <summary>Events to publish (<c>--events</c>).</summary>
    public long Events { get; init; } = 1_000_000;

    /// <summary>Distinct keys (<c>--keys</c>); event n has key n mod keys (<see cref="KeyOf"/>) and sequence n / keys (<see cref="SequenceOf"/>).</summary>
    public int Keys { get; init; } = 1_000;

    /// <summary>Partitions of the demo topic (<c>--partitions</c>).</summary>
    public int Partitions { get; init; } = 12;

    /// <summary>Simulated work per event (<c>--handler-ms</c>); zero means none.</summary>
    public TimeSpan HandlerWork { get; init; } = TimeSpan.Zero;

    /// <summary>Members started at the beginning (<c>--nodes</c>); each is a node of the group's cluster.</summary>
    public int Nodes { get; init; } = 1;

    /// <summary>Members crashed abruptly at mid-run (<c>--kill</c>): no hand-over, no commit, no lease release.</summary>
    public int Kill { get; init; }

    /// <summary>Members that join later in the run (<c>--join</c>).</summary>
    public int Join { get; init; }

    /// <summary>Members frozen for twice the session TTL, then resumed as zombies (<c>--pause</c>).</summary>
    public int Pause { get; init; }

    /// <summary>How partitions are spread over the members (<c>--assignor</c>).</summary>
    public Shoal.Cluster.AssignorKind Assignor { get; init; } = Shoal.Cluster.AssignorKind.Sticky;

    /// <summary>Heartbeat interval of the demo's members (<c>--heartbeat</c>).</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Session TTL of the demo's members (<c>--session-ttl</c>).</summary>
    public TimeSpan SessionTtl { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Runs the cluster layer even with one member (<c>--cluster</c>), to compare member counts like for like.</summary>
    public bool ForceCluster { get; init; }

    /// <summary>True when the run needs the cluster layer (more than one member, any member fault, or asked for).</summary>
    public bool IsCluster => ForceCluster || Nodes > 1 || Kill > 0 || Join > 0 || Pause > 0;

    /// <summary>
    /// Producers publishing at the same time (<c>--producers</c>), each owning a share of the keys; see
    /// <see cref="DemoProducer"/>. More than one keeps several batches in flight, which an engine that waits for the
    /// disk or the network before acknowledging needs (group commits, publish windows); in memory, extra producers
    /// only take CPU from the handlers. Default: <see cref="DefaultProducers"/>.
    /// </summary>
    public int Producers { get; init; } = 1;

    /// <summary>The producer count when <c>--producers</c> is not given: 1 in memory, 8 on engines that persist or replicate.</summary>
    public static int DefaultProducers(string engine) =>
        engine.StartsWith(EngineUriSchemes.InProcess, StringComparison.Ordinal) ? 1 : 8;

    /// <summary>Keys handled concurrently per partition (<c>--concurrency</c>).</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>The engine the demo runs on (<c>--engine</c>); default a private in-process engine.</summary>
    public string Engine { get; init; } = EngineUriSchemes.InProcess;

    /// <summary>Payload encoding of the demo events (<c>--format</c>).</summary>
    public SerializationFormat Format { get; init; } = SerializationFormat.Json;
}
