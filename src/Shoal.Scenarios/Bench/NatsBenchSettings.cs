namespace Shoal.Scenarios.Bench;

/// <summary>Settings of <c>shoal bench nats</c>.</summary>
/// <param name="Events">Events per measurement.</param>
/// <param name="PayloadBytes">Payload bytes per event.</param>
/// <param name="Window">Publish acknowledgements outstanding at once, and the read batch size.</param>
/// <param name="Rounds">Measured rounds after one warm-up round; the results are their medians.</param>
/// <param name="Partitions">Partitions of the multi-partition publish comparison (0: not run).</param>
/// <param name="PartitionedOnly">Run only the multi-partition publish comparison (not the single-partition publish and consume).</param>
public sealed record NatsBenchSettings(int Events, int PayloadBytes, int Window, int Rounds, int Partitions = 12, bool PartitionedOnly = false);
