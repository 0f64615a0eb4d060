using System.Text.Json.Serialization;

namespace Shoal.Cli.Supervise;

/// <summary>What a supervisor event is about.</summary>
internal static class SupervisorEventTypes
{
    /// <summary>The autoscaler decided (every interval), whether or not the count changed.</summary>
    public const string Decision = "decision";

    /// <summary>A worker process was started (initial, scale-up).</summary>
    public const string Started = "started";

    /// <summary>A worker was asked to hand over and stop (SIGTERM): scale-down or shutdown.</summary>
    public const string Stopping = "stopping";

    /// <summary>A worker the supervisor had asked to stop exited.</summary>
    public const string Exited = "exited";

    /// <summary>A worker exited without being asked to (a crash): it is restarted.</summary>
    public const string Crashed = "crashed";

    /// <summary>A crashed worker was started again under the same member id (self-healing, not a scaling decision).</summary>
    public const string Restarted = "restarted";

    /// <summary>A worker did not exit within the stop timeout after SIGTERM and was killed (SIGKILL).</summary>
    public const string Killed = "killed";

    /// <summary>The autoscaler could not read the engine this time; the workers stay as they are.</summary>
    public const string Error = "error";
}

/// <summary>
/// One thing the supervisor did or saw: a line of its decision log (<c>--json</c> prints each as one JSON line).
/// Fields that do not apply to the type are null and left out of the JSON.
/// </summary>
internal sealed record SupervisorEvent
{
    /// <summary>One of <see cref="SupervisorEventTypes"/>.</summary>
    public required string Type { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>Workers asked for (running, starting or waiting for a restart) after this event.</summary>
    public int Workers { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Member { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Pid { get; init; }

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

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Lag { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ArrivalRate { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? ProcessedRate { get; init; }

    /// <summary>The per-member throughput estimate the policy used (0: none yet).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? PerMemberRate { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? LiveMembers { get; init; }

    /// <summary>Restarted: how many times this member was restarted; crashed: the delay before the restart (ms).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Count { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }
}

/// <summary>What <c>shoal supervise</c> prints when it stops (with <c>--json</c>: the last line).</summary>
internal sealed record SupervisorSummary
{
    public string Type { get; init; } = "summary";

    public required string Topic { get; init; }

    public required string Group { get; init; }

    /// <summary>Decisions taken (one per interval).</summary>
    public int Decisions { get; init; }

    /// <summary>Decisions that added workers, and the workers they added.</summary>
    public int ScaleUps { get; init; }

    public int WorkersAdded { get; init; }

    /// <summary>Decisions that removed workers, and the workers they asked to stop.</summary>
    public int ScaleDowns { get; init; }

    public int WorkersRemoved { get; init; }

    /// <summary>Crashed workers started again (self-healing; not scaling decisions).</summary>
    public int Restarts { get; init; }

    /// <summary>Workers killed because they did not stop within the stop timeout.</summary>
    public int Killed { get; init; }

    /// <summary>Worker processes started in all (initial, scale-ups and restarts).</summary>
    public int ProcessesStarted { get; init; }

    /// <summary>The most workers asked for at once.</summary>
    public int PeakWorkers { get; init; }

    /// <summary>Workers asked for when the supervisor was told to stop.</summary>
    public int FinalWorkers { get; init; }

    /// <summary>Sum over time of the workers asked for (the cost <c>autoscale-sim</c> calls memberSeconds).</summary>
    public double WorkerSeconds { get; init; }

    /// <summary>Workers that exited with a non-zero code after being asked to stop.</summary>
    public int UncleanExits { get; init; }

    public long ElapsedMs { get; init; }
}
