namespace Shoal.Cluster.Autoscaling;

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
