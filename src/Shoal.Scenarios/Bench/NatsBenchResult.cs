namespace Shoal.Scenarios.Bench;

/// <summary>
/// One setup's numbers in events per second (medians over the rounds) and the Shoal/raw ratios (medians of each round's
/// ratio: the two sides of a ratio are measured back to back, so a burst of load from other processes moves both).
/// </summary>
/// <param name="Setup">What ran, e.g. <c>R3 (3 servers)</c>.</param>
/// <param name="ShoalPublishPerSecond">Appends through Shoal's NATS engine.</param>
/// <param name="RawPublishPerSecond">Publishes through the raw JetStream client.</param>
/// <param name="PublishRatio">Shoal / raw publish.</param>
/// <param name="ShoalConsumePerSecond">Reads through Shoal's NATS engine.</param>
/// <param name="RawConsumeShoalStreamPerSecond">The raw pull consumer on Shoal's stream (the same messages).</param>
/// <param name="ConsumeRatio">Shoal / raw consume on the same messages.</param>
/// <param name="RawConsumePerSecond">The raw pull consumer on the raw stream (the same payloads without Shoal's headers).</param>
/// <param name="ConsumeRatioHeaderless">Shoal / raw consume of header-less messages.</param>
public sealed record NatsBenchResult(
    string Setup,
    double ShoalPublishPerSecond,
    double RawPublishPerSecond,
    double PublishRatio,
    double ShoalConsumePerSecond,
    double RawConsumeShoalStreamPerSecond,
    double ConsumeRatio,
    double RawConsumePerSecond,
    double ConsumeRatioHeaderless)
{
    /// <summary>Publish over several partitions through the raw client's paths and Shoal's publisher, in the same run; null when not measured.</summary>
    public NatsPartitionedPublishResult? Partitioned { get; init; }

    /// <summary>Compare-and-set updates of one key per second, one after the other, through Shoal's coordination store (0 when not measured).</summary>
    public double ShoalUpdatesPerSecond { get; init; }

    /// <summary>The same through the raw NATS.Net KV client on a bucket of the same replicas.</summary>
    public double RawUpdatesPerSecond { get; init; }

    /// <summary>Shoal / raw updates (median of each round's ratio).</summary>
    public double UpdateRatio { get; init; }

    /// <summary>The servers' version: on a cluster before nats-server 2.11 Shoal's store confirms each update with one more request (docs/nats.md).</summary>
    public string? ServerVersion { get; init; }

    /// <summary>Whether Shoal's store confirmed each update with one more request in this setup.</summary>
    public bool UpdatesConfirmed { get; init; }
}
