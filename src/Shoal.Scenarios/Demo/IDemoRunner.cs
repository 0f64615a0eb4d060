namespace Shoal.Scenarios.Demo;

/// <summary>
/// Runs the demo on an engine: publishes <see cref="DemoSettings.Events"/> events (event n has key
/// <see cref="DemoSettings.KeyOf"/> and sequence <see cref="DemoSettings.SequenceOf"/>), handles them with a
/// handler that records each into a <see cref="Shoal.Cluster.GuaranteeChecker"/>, and returns
/// <see cref="DemoReports.Build"/>'s report.
/// <see cref="DemoRunner"/> is the implementation; the CLI takes the interface so that its tests can give it another.
/// </summary>
public interface IDemoRunner
{
    /// <summary>Runs the demo with <paramref name="settings"/> and returns what it found.</summary>
    /// <param name="settings">What to publish, on which engine, with how many members and faults.</param>
    /// <param name="progress">Gets the events handled so far and, in a cluster run, snapshots of the members.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    Task<DemoReport> RunAsync(DemoSettings settings, IDemoProgress progress, CancellationToken cancellationToken);
}
