using System.Text.Json.Serialization;

namespace Shoal.Scenarios.Workload;

/// <summary>What <c>shoal produce --json</c> prints.</summary>
public sealed record ProduceReport
{
    /// <summary>The topic published to.</summary>
    public required string Topic { get; init; }

    /// <summary>This run's id, carried in every event it published.</summary>
    public required string RunId { get; init; }

    /// <summary>This run's index among the topic's produce runs (0 for the first).</summary>
    public long Run { get; init; }

    /// <summary>Events asked for (<c>--events</c>).</summary>
    public long Requested { get; init; }

    /// <summary>Leading events of the run the engine acknowledged (stored).</summary>
    public long Acknowledged { get; init; }

    /// <summary>Acknowledged events the engine reported as already stored (a retried batch, de-duplicated by id).</summary>
    public long Duplicates { get; init; }

    /// <summary>Partitions of the topic.</summary>
    public int Partitions { get; init; }

    /// <summary>Distinct keys of the run.</summary>
    public int Keys { get; init; }

    /// <summary>True when this run created the topic.</summary>
    public bool Created { get; init; }

    /// <summary>How long the run took.</summary>
    public long ElapsedMs { get; init; }

    /// <summary>Acknowledged events per second of the run.</summary>
    public double EventsPerSecond { get; init; }

    /// <summary>Why publishing stopped before every event was acknowledged, or null when it did not (not in <c>--json</c>).</summary>
    [JsonIgnore]
    public string? Failure { get; init; }
}
