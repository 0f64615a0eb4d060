using System.Text.Json.Serialization;

namespace Shoal.Scenarios.Workload;

/// <summary>What <c>shoal worker --json</c> prints when it stops.</summary>
public sealed record WorkerReport
{
    /// <summary>The worker's member id.</summary>
    public required string MemberId { get; init; }

    /// <summary>The group it joined.</summary>
    public required string Group { get; init; }

    /// <summary>The topic it consumed.</summary>
    public required string Topic { get; init; }

    /// <summary>Its handler, as <c>--handler</c> writes it.</summary>
    public required string Handler { get; init; }

    /// <summary>Events this worker handled successfully.</summary>
    public long Handled { get; init; }

    /// <summary>Handler attempts that failed (retried or dead-lettered).</summary>
    public long Failed { get; init; }

    /// <summary>Records appended by the verify handler.</summary>
    public long Recorded { get; init; }

    /// <summary>Leases this worker lost (taken over after it failed to renew them in time, or fenced).</summary>
    public long LeasesLost { get; init; }

    /// <summary>Commits rejected because a newer owner had fenced the partition.</summary>
    public long CommitsRejected { get; init; }

    /// <summary>True when it was stopped before it joined the group (nothing to hand over; not in <c>--json</c>).</summary>
    [JsonIgnore]
    public bool StoppedBeforeJoining { get; init; }
}
