namespace Shoal.Cli.Demo;

/// <summary>What the live view shows of a cluster demo at one moment.</summary>
internal sealed record ClusterSnapshot(IReadOnlyList<MemberSnapshot> Members, long Produced, long Handled, long Lag, double EventsPerSecond);

/// <summary>One member: its state and the partitions (with epochs) it holds.</summary>
internal sealed record MemberSnapshot(string Id, string State, IReadOnlyDictionary<int, long> Partitions, long Handled);
