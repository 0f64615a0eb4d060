namespace Shoal.Scenarios.Demo;

/// <summary>What the live view shows of a cluster demo at one moment.</summary>
/// <param name="Members">Every member started so far, crashed ones included.</param>
/// <param name="Produced">Events published so far.</param>
/// <param name="Handled">Distinct events handled so far.</param>
/// <param name="Lag">Published events not handled yet.</param>
/// <param name="EventsPerSecond">Handled events per second since publishing started.</param>
public sealed record ClusterSnapshot(IReadOnlyList<MemberSnapshot> Members, long Produced, long Handled, long Lag, double EventsPerSecond);

/// <summary>One member: its state and the partitions (with epochs) it holds.</summary>
/// <param name="Id">The member id, <c>node-N</c>.</param>
/// <param name="State"><c>live</c>, <c>paused</c> or <c>crashed</c>.</param>
/// <param name="Partitions">Partition → lease epoch, for the partitions it holds (none once crashed).</param>
/// <param name="Handled">Events its runtime handled.</param>
public sealed record MemberSnapshot(string Id, string State, IReadOnlyDictionary<int, long> Partitions, long Handled);
