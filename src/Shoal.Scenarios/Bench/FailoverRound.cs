namespace Shoal.Scenarios.Bench;

/// <summary>One kill: the victim, the partitions it held, and how long until survivors processed them again.</summary>
public sealed record FailoverRound
{
    /// <summary>The round, from 1.</summary>
    public int Round { get; init; }

    /// <summary>The member id of the worker killed.</summary>
    public required string Victim { get; init; }

    /// <summary>The partitions it held when killed.</summary>
    public required IReadOnlyList<int> Partitions { get; init; }

    /// <summary>From SIGKILL to the last orphaned partition handled again by a survivor; -1 if one never was.</summary>
    public long ResumedMs { get; init; }

    /// <summary>From SIGKILL to the first orphaned partition handled again.</summary>
    public long FirstResumedMs { get; init; }
}
