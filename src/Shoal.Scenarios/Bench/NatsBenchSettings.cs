namespace Shoal.Scenarios.Bench;

/// <summary>Settings of <c>shoal bench nats</c>.</summary>
/// <param name="Events">Events per measurement.</param>
/// <param name="PayloadBytes">Payload bytes per event.</param>
/// <param name="Window">Publish acknowledgements outstanding at once, and the read batch size.</param>
/// <param name="Rounds">Measured rounds after one warm-up round; the results are their medians.</param>
public sealed record NatsBenchSettings(int Events, int PayloadBytes, int Window, int Rounds);
