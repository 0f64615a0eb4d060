namespace Shoal.Scenarios.Demo;

/// <summary>What the live view shows of a cluster demo at one moment.</summary>
/// <param name="Members">Every member started so far, crashed ones included.</param>
/// <param name="Produced">Events published so far.</param>
/// <param name="Handled">Distinct events handled so far.</param>
/// <param name="Lag">Published events not handled yet.</param>
/// <param name="EventsPerSecond">Handled events per second since publishing started.</param>
public sealed record ClusterSnapshot(IReadOnlyList<MemberSnapshot> Members, long Produced, long Handled, long Lag, double EventsPerSecond);
