using Shoal.Cluster;

namespace Shoal.Simulation;

/// <summary>The outcome of one seed.</summary>
/// <param name="Seed">The seed that decided the run.</param>
/// <param name="Check">The guarantee checker's verdict on what was handled and committed.</param>
/// <param name="TraceHash">A hash of the whole trace: the same seed and settings give the same hash.</param>
/// <param name="Trace">The trace lines when <see cref="ChaosSettings.KeepTrace"/> is set, else empty.</param>
/// <param name="Steps">Scheduler steps the run took.</param>
/// <param name="ForeignPosts">Work that escaped the simulation's scheduler (a determinism leak); 0 when sound.</param>
/// <param name="VirtualTime">Simulated time from start to the end of the check.</param>
/// <param name="HarnessError">The simulation's own failure, if it had one (not a guarantee violation).</param>
public sealed record ChaosResult(int Seed, GuaranteeVerdict Check, ulong TraceHash, IReadOnlyList<string> Trace, long Steps, int ForeignPosts, TimeSpan VirtualTime, string? HarnessError)
{
    /// <summary>True when a guarantee was violated, the harness failed, or the run was not deterministic.</summary>
    public bool Failed => Check.Violations > 0 || HarnessError is not null || ForeignPosts > 0;
}
