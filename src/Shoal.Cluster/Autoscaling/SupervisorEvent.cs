using System.Text.Json.Serialization;

namespace Shoal.Cluster.Autoscaling;

/// <summary>What a supervisor event is about.</summary>
public static class SupervisorEventTypes
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

/// <summary>What a <see cref="Supervisor"/> did in all, returned when it stops (<c>shoal supervise</c> prints it; with <c>--json</c>: the last line).</summary>
public sealed record SupervisorSummary
{
    /// <summary>Always <c>summary</c> (tells the last JSON line from the events).</summary>
    public string Type { get; init; } = "summary";

    /// <summary>The topic the workers consume.</summary>
    public required string Topic { get; init; }

    /// <summary>The consumer group the workers join.</summary>
    public required string Group { get; init; }

    /// <summary>Decisions taken (one per interval).</summary>
    public int Decisions { get; init; }

    /// <summary>Decisions that added workers.</summary>
    public int ScaleUps { get; init; }

    /// <summary>Workers the scale-ups added.</summary>
    public int WorkersAdded { get; init; }

    /// <summary>Decisions that removed workers.</summary>
    public int ScaleDowns { get; init; }

    /// <summary>Workers the scale-downs asked to stop.</summary>
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

    /// <summary>How long the supervisor ran, in milliseconds.</summary>
    public long ElapsedMs { get; init; }
}
