using System.Text.Json.Serialization;

namespace Shoal.Cluster.Autoscaling;

/// <summary>
/// One thing the supervisor did or saw: a line of its decision log (<c>shoal supervise --json</c> prints each as one JSON line).
/// Fields that do not apply to the type are null and left out of the JSON.
/// </summary>
public sealed record SupervisorEvent
{
    /// <summary>One of <see cref="SupervisorEventTypes"/>.</summary>
    public required string Type { get; init; }

    /// <summary>When it happened, on the supervisor's clock.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Workers asked for (running, starting or waiting for a restart) after this event.</summary>
    public int Workers { get; init; }

    /// <summary>The worker's member id, for events about one worker.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Member { get; init; }

    /// <summary>The worker's process id, when it has a process.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Pid { get; init; }

    /// <summary>Exited, crashed: the process's exit code.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ExitCode { get; init; }

    /// <summary>Decision: the count before; started/stopping: why (initial, scale-up, scale-down, shutdown).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? From { get; init; }

    /// <summary>Decision: the desired count.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? To { get; init; }

    /// <summary>Decision: the policy's reason (camelCase <c>AutoscaleReason</c>); started/stopping: why.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    /// <summary>Decision: the unstabilized recommendation.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Recommendation { get; init; }

    /// <summary>Decision: the group's total lag the policy saw.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Lag { get; init; }

    /// <summary>Decision: events per second arriving on the topic.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ArrivalRate { get; init; }

    /// <summary>Decision: events per second the group processed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ProcessedRate { get; init; }

    /// <summary>The per-member throughput estimate the policy used (0: none yet).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? PerMemberRate { get; init; }

    /// <summary>Decision: members alive in the group's membership.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? LiveMembers { get; init; }

    /// <summary>Restarted: how many times this member was restarted; crashed: the delay before the restart (ms).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Count { get; init; }

    /// <summary>A human-readable detail: an error, or a crashed worker's last stderr lines.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }
}
