namespace Shoal.Cli.Demo;

/// <summary>The parsed options of <c>shoal demo</c>.</summary>
internal sealed record DemoSettings
{
    /// <summary>Events to publish (<c>--events</c>).</summary>
    public long Events { get; init; } = 1_000_000;

    /// <summary>Distinct keys (<c>--keys</c>); event n has key n mod keys (see <see cref="DemoVerifier"/>).</summary>
    public int Keys { get; init; } = 1_000;

    /// <summary>Partitions of the demo topic (<c>--partitions</c>).</summary>
    public int Partitions { get; init; } = 12;

    /// <summary>Simulated work per event (<c>--handler-ms</c>); zero means none.</summary>
    public TimeSpan HandlerWork { get; init; } = TimeSpan.Zero;

    /// <summary>Worker nodes (<c>--nodes</c>); 1 until the cluster arrives.</summary>
    public int Nodes { get; init; } = 1;

    /// <summary>Keys handled concurrently per partition (<c>--concurrency</c>).</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>Payload encoding of the demo events (<c>--format</c>).</summary>
    public SerializationFormat Format { get; init; } = SerializationFormat.Json;
}
