namespace Shoal.Scenarios.Demo;

/// <summary>One member: its state and the partitions (with epochs) it holds.</summary>
/// <param name="Id">The member id, <c>node-N</c>.</param>
/// <param name="State"><c>live</c>, <c>paused</c> or <c>crashed</c>.</param>
/// <param name="Partitions">Partition → lease epoch, for the partitions it holds (none once crashed).</param>
/// <param name="Handled">Events its runtime handled.</param>
public sealed record MemberSnapshot(string Id, string State, IReadOnlyDictionary<int, long> Partitions, long Handled);
