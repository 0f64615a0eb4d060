namespace Shoal.Cli.Demo;

/// <summary>
/// Runs the demo on an engine: publishes <see cref="DemoSettings.Events"/> events (event n has key
/// <see cref="DemoSettings.KeyOf"/> and sequence <see cref="DemoSettings.SequenceOf"/>), handles them with a
/// handler that records each into a <see cref="Shoal.Cluster.GuaranteeChecker"/>, and returns
/// <see cref="DemoReports.Build"/>'s report.
/// Reports the number of events handled so far to <paramref name="progress"/>.
/// </summary>
internal interface IDemoRunner
{
    Task<DemoReport> RunAsync(DemoSettings settings, IProgress<long> progress, CancellationToken cancellationToken);
}
