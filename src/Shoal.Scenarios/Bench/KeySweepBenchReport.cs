namespace Shoal.Scenarios.Bench;

/// <summary>The <c>--json</c> object of <c>shoal bench keys</c>.</summary>
/// <param name="Engine">The engine URI, a password or token redacted.</param>
/// <param name="Events">Events per measurement, all on one partition.</param>
/// <param name="MaxWorkMs">Each handler call waited a random time from 0 up to this.</param>
/// <param name="Seed">Seed of the random work.</param>
/// <param name="TotalWorkSeconds">The work of all events added up: what one event at a time cannot beat.</param>
/// <param name="Baseline">Partition order: one event at a time (concurrency 1).</param>
/// <param name="Results">Key order, one line per key count, in the order measured.</param>
public sealed record KeySweepBenchReport(
    string Engine, int Events, double MaxWorkMs, int Seed, double TotalWorkSeconds, KeySweepBenchLine Baseline, IReadOnlyList<KeySweepBenchLine> Results);

/// <summary>One measurement: every event handled once on a fresh one-partition topic.</summary>
/// <param name="Order"><c>partition</c> (one event at a time) or <c>key</c> (one event per key at a time, keys concurrently).</param>
/// <param name="Keys">Distinct keys of the events.</param>
/// <param name="Concurrency">Handler calls allowed at once (<see cref="GroupOptions.MaxConcurrency"/>).</param>
/// <param name="Handled">Distinct events whose handler ran (equal to the events unless the wait for the last ones timed out).</param>
/// <param name="Duplicates">Handler calls beyond the first for an event.</param>
/// <param name="OrderViolations">Handler calls that started after a later event of the same key had started.</param>
/// <param name="Overlaps">Handler calls that started while another event of the same key was still running.</param>
/// <param name="PeakConcurrency">The most handler calls seen running at once.</param>
/// <param name="Seconds">From the runtime's start to the end of the last handler call.</param>
/// <param name="EventsPerSecond">Events over <paramref name="Seconds"/>.</param>
/// <param name="Ratio">The baseline's <paramref name="Seconds"/> over this one's: how many times faster than partition order.</param>
/// <param name="TimerLateMeanMs">How late, on average, the delay source ended the handlers' work (its thread not scheduled on a loaded machine).</param>
public sealed record KeySweepBenchLine(
    string Order, int Keys, int Concurrency, long Handled, long Duplicates, long OrderViolations, long Overlaps, int PeakConcurrency,
    double Seconds, double EventsPerSecond, double Ratio, double TimerLateMeanMs);
