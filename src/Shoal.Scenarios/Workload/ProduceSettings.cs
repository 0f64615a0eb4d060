namespace Shoal.Scenarios.Workload;

/// <summary>The parsed options of <c>shoal produce</c>.</summary>
/// <param name="Engine">The engine URI.</param>
/// <param name="Topic">The topic to publish to (created if absent).</param>
/// <param name="Events">Events to publish.</param>
/// <param name="Keys">Distinct keys; event n of the run gets key n mod Keys.</param>
/// <param name="Partitions">Partitions when the topic is created (default <see cref="Producer.DefaultPartitions"/>); must match an existing topic's.</param>
/// <param name="Replicas">Copies of each event when the topic is created, on engines that replicate; null: the engine's default (NATS: as many as the cluster allows, up to 3).</param>
/// <param name="Rate">Events per second at most (0: as fast as the engine acknowledges).</param>
public sealed record ProduceSettings(string Engine, string Topic, long Events, int Keys, int? Partitions, int? Replicas, double Rate)
{
    /// <summary>How long one step (connecting, creating the topic, publishing a batch) may keep retrying transient engine errors before the run gives up (<c>--timeout</c>). Default <see cref="Producer.DefaultTimeout"/>.</summary>
    public TimeSpan Timeout { get; init; } = Producer.DefaultTimeout;
}
