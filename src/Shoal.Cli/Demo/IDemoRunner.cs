namespace Shoal.Cli.Demo;

/// <summary>
/// Runs the demo on an engine: publishes <see cref="DemoSettings.Events"/> events (event n has key
/// <see cref="DemoVerifier.KeyOf"/> and sequence <see cref="DemoVerifier.SequenceOf"/>), handles them with a
/// handler that calls <see cref="DemoVerifier.Record"/>, and returns <see cref="DemoVerifier.Build"/>'s report.
/// Reports the number of events handled so far to <paramref name="progress"/>.
/// </summary>
internal interface IDemoRunner
{
    Task<DemoReport> RunAsync(DemoSettings settings, IProgress<long> progress, CancellationToken cancellationToken);
}
