namespace Shoal.Cli.Demo;

/// <summary>What <c>shoal demo</c> found; serialized with exactly these camelCase names by <c>--json</c>.</summary>
internal sealed record DemoReport
{
    /// <summary>Events published.</summary>
    public long Produced { get; init; }

    /// <summary>Handler invocations recorded (duplicates included).</summary>
    public long Processed { get; init; }

    /// <summary>Published events the handlers never saw.</summary>
    public long Lost { get; init; }

    /// <summary>Recorded events that had already been seen.</summary>
    public long Duplicates { get; init; }

    /// <summary>Events seen after a later event of the same key.</summary>
    public long OrderViolations { get; init; }

    /// <summary>Processed events per second of elapsed time.</summary>
    public double EventsPerSecond { get; init; }

    /// <summary>Wall-clock time of the run, in milliseconds.</summary>
    public long ElapsedMs { get; init; }

    /// <summary>Peak working set of the process, in MiB.</summary>
    public double PeakMemoryMb { get; init; }

    public int Partitions { get; init; }

    public int Keys { get; init; }

    public int Nodes { get; init; }

    /// <summary>True when nothing was lost and every key was handled in order.</summary>
    public bool Passed() => Lost == 0 && OrderViolations == 0;

    /// <summary>0 when <see cref="Passed"/>, otherwise 1 (duplicates alone are allowed: delivery is at-least-once).</summary>
    public int ExitCode() => Passed() ? 0 : 1;
}
