namespace Shoal.Simulation;

/// <summary>The outcome of many seeds, summed over their <see cref="ChaosResult"/>s.</summary>
/// <param name="Runs">Seeds run.</param>
/// <param name="Violations">Guarantee violations, harness errors and determinism leaks, together.</param>
/// <param name="FailingSeeds">The seeds that failed, in ascending order: replay one with <c>shoal chaos --seed N --trace</c>.</param>
/// <param name="MaxDuplicates">The most duplicates in one run.</param>
/// <param name="EventsChecked">Events the checker checked, over all runs.</param>
/// <param name="Lost">Events published but never handled.</param>
/// <param name="OrderViolations">Events of a key handled before an earlier event of that key.</param>
/// <param name="ZombieCommitsAccepted">Commits by a fenced (older) owner that the store accepted.</param>
/// <param name="DoubleOwnership">Times two members held a partition's lease at once.</param>
/// <param name="DuplicatesOverWindow">Runs whose duplicates exceeded the in-flight window of the partitions taken over.</param>
/// <param name="LivenessFailures">Runs that did not finish within the liveness bound after the last fault.</param>
/// <param name="HarnessErrors">Runs whose simulation failed.</param>
/// <param name="DeterminismLeaks">Runs with work outside the simulation's scheduler.</param>
/// <param name="Elapsed">Wall-clock time.</param>
public sealed record ChaosSummary(
    int Runs,
    int Violations,
    IReadOnlyList<int> FailingSeeds,
    int MaxDuplicates,
    long EventsChecked,
    int Lost,
    int OrderViolations,
    int ZombieCommitsAccepted,
    int DoubleOwnership,
    int DuplicatesOverWindow,
    int LivenessFailures,
    int HarnessErrors,
    int DeterminismLeaks,
    TimeSpan Elapsed)
{
    /// <summary>Sums <paramref name="results"/>, which took <paramref name="elapsed"/>.</summary>
    public static ChaosSummary Of(IReadOnlyCollection<ChaosResult> results, TimeSpan elapsed) => new(
        Runs: results.Count,
        Violations: results.Sum(r => r.Check.Violations + (r.HarnessError is null ? 0 : 1) + (r.ForeignPosts > 0 ? 1 : 0)),
        FailingSeeds: [.. results.Where(r => r.Failed).Select(r => r.Seed).Order()],
        MaxDuplicates: results.Count == 0 ? 0 : results.Max(r => r.Check.Duplicates),
        EventsChecked: results.Sum(r => (long)r.Check.EventsChecked),
        Lost: results.Sum(r => r.Check.Lost),
        OrderViolations: results.Sum(r => r.Check.OrderViolations),
        ZombieCommitsAccepted: results.Sum(r => r.Check.ZombieCommitsAccepted),
        DoubleOwnership: results.Sum(r => r.Check.DoubleOwnership),
        DuplicatesOverWindow: results.Count(r => r.Check.DuplicatesOverWindow),
        LivenessFailures: results.Count(r => r.Check.LivenessFailed),
        HarnessErrors: results.Count(r => r.HarnessError is not null && r.ForeignPosts == 0),
        DeterminismLeaks: results.Count(r => r.ForeignPosts > 0),
        Elapsed: elapsed);
}
