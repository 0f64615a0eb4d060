using Shoal.Cluster;

namespace Shoal.Scenarios.Demo;

/// <summary>What <c>shoal demo</c> found; serialized with exactly these camelCase names by <c>--json</c>.</summary>
public sealed record DemoReport
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

    /// <summary>Partitions of the demo topic.</summary>
    public int Partitions { get; init; }

    /// <summary>Distinct keys the events were spread over.</summary>
    public int Keys { get; init; }

    /// <summary>Members that took part (those started at the beginning and those that joined later).</summary>
    public int Nodes { get; init; }

    /// <summary>Commits from a stale epoch that the engine rejected (a zombie's attempts, stopped by fencing).</summary>
    public long ZombieCommitsRejected { get; init; }

    /// <summary>Commits from a stale epoch that moved an offset record (must be 0).</summary>
    public long ZombieCommitsAccepted { get; init; }

    /// <summary>From the crash to every orphaned partition being processed again on a survivor (0 without a crash).</summary>
    public long FailoverMs { get; init; }

    /// <summary>The longest time a partition whose owner never changed had lag but made no progress, during a rebalance.</summary>
    public long RebalancePauseMs { get; init; }

    /// <summary>Garbage-collection pause time (the whole process's) within the stall <see cref="RebalancePauseMs"/> reports: the rest is the rebalance's and the scheduler's.</summary>
    public long RebalancePauseGcMs { get; init; }

    /// <summary>The same measure outside rebalances (GC and scheduling on this machine), to compare with.</summary>
    public long SteadyPauseMs { get; init; }

    /// <summary>Garbage-collection pause time within the stall <see cref="SteadyPauseMs"/> reports.</summary>
    public long SteadyPauseGcMs { get; init; }

    /// <summary>The final assignment: member id → partitions it holds.</summary>
    public IReadOnlyDictionary<string, int[]>? Assignment { get; init; }

    /// <summary>True when nothing was lost, every key was handled in order, and no zombie commit was accepted.</summary>
    public bool Passed() => Lost == 0 && OrderViolations == 0 && ZombieCommitsAccepted == 0;

    /// <summary>0 when <see cref="Passed"/>, otherwise 1 (duplicates alone are allowed: delivery is at-least-once).</summary>
    public int ExitCode() => Passed() ? 0 : 1;
}

/// <summary>The demo's report from the <see cref="GuaranteeChecker"/> its handlers recorded into.</summary>
internal static class DemoReports
{
    /// <summary>
    /// Compares the records with the first <paramref name="produced"/> published events (event n has key n mod keys and
    /// sequence n / keys, so each key's first sequences were published). Call once, after the handlers stopped.
    /// </summary>
    public static DemoReport Build(this GuaranteeChecker checker, DemoSettings settings, long produced, TimeSpan elapsed, long peakWorkingSetBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(produced);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(produced, settings.Events);
        for (var key = 0; key < checker.KeyCount; key++)
        {
            checker.MarkProducedFirst(key, (produced / settings.Keys) + (key < produced % settings.Keys ? 1 : 0));
        }

        var counts = checker.Check();
        var seconds = elapsed.TotalSeconds;
        return new DemoReport
        {
            Produced = produced,
            Processed = counts.Processed,
            Lost = counts.Lost,
            Duplicates = counts.Duplicates,
            OrderViolations = counts.OrderViolations,
            EventsPerSecond = seconds > 0 ? Math.Round(counts.Processed / seconds, 1) : 0,
            ElapsedMs = (long)Math.Round(elapsed.TotalMilliseconds),
            PeakMemoryMb = Math.Round(peakWorkingSetBytes / (1024.0 * 1024.0), 1),
            Partitions = settings.Partitions,
            Keys = settings.Keys,
            Nodes = settings.Nodes,
        };
    }
}
