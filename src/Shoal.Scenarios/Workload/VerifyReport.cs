using System.Text.Json.Serialization;

namespace Shoal.Scenarios.Workload;

/// <summary>What <c>shoal verify</c> found; <c>--json</c> prints it with exactly these camelCase names.</summary>
public sealed record VerifyReport
{
    /// <summary>The topic checked.</summary>
    public required string Topic { get; init; }

    /// <summary>The group whose records were checked.</summary>
    public required string Group { get; init; }

    /// <summary>Distinct events of the produce runs found in the topic or acknowledged to a producer.</summary>
    public long Produced { get; init; }

    /// <summary>Events the producers report as acknowledged (sum over runs).</summary>
    public long Acknowledged { get; init; }

    /// <summary>Records of handled events, duplicates included.</summary>
    public long Processed { get; init; }

    /// <summary>Produced events with no record.</summary>
    public long Lost { get; init; }

    /// <summary>Records of an event already recorded (redeliveries: allowed, delivery is at-least-once).</summary>
    public long Duplicates { get; init; }

    /// <summary>Records that broke a key's order (see docs/cli.md, shoal verify).</summary>
    public long OrderViolations { get; init; }

    /// <summary>Acknowledged events not found in the topic (lost by the engine; included in <see cref="Lost"/> unless handled).</summary>
    public long MissingFromLog { get; init; }

    /// <summary>Events or records that no produce run accounts for (foreign events, corrupt records).</summary>
    public long Unexpected { get; init; }

    /// <summary>Events trimmed from the topic by retention before they could be read.</summary>
    public long Trimmed { get; init; }

    /// <summary>True when the group's committed offsets reached the topic's end offsets.</summary>
    public bool CaughtUp { get; init; }

    /// <summary>End offsets minus committed offsets, summed over partitions, at the last look.</summary>
    public long Lag { get; init; }

    /// <summary>Produce runs on the topic.</summary>
    public int Runs { get; init; }

    /// <summary>How long the verification took.</summary>
    public long ElapsedMs { get; init; }

    /// <summary>Events in the topic that are not <c>shoal produce</c> events of a known run (part of <see cref="Unexpected"/>; not in <c>--json</c>).</summary>
    [JsonIgnore]
    public long UnexpectedEvents { get; init; }

    /// <summary>Records for events no produce run published (part of <see cref="Unexpected"/>; not in <c>--json</c>).</summary>
    [JsonIgnore]
    public long UnexpectedRecords { get; init; }

    /// <summary>Nothing lost, no order violation, nothing unaccounted for.</summary>
    public bool Passed() => Lost == 0 && OrderViolations == 0 && Unexpected == 0;
}
