namespace Shoal.Scenarios.Workload;

/// <summary>
/// The worker's start-up calls (connecting, reading the topic, creating the record topic, starting the group): each is
/// retried while it fails with transient engine errors, for up to <c>--startup-timeout</c>, each retry reported on stderr.
/// </summary>
/// <param name="timeout">How long after a call's first attempt a retry may still start.</param>
/// <param name="retrying">Told of each transient failure before its retry, with the wait before it.</param>
/// <param name="cancellationToken">Stops the waiting between attempts.</param>
public sealed class StartupRetries(TimeSpan timeout, Action<EngineException, TimeSpan> retrying, CancellationToken cancellationToken)
{
    /// <summary>
    /// Runs <paramref name="call"/> with each attempt's token, retrying it while it fails with transient engine errors or
    /// does not answer within <see cref="EngineRetries.DefaultAttemptTimeout"/> (<see cref="EngineRetries.RunAsync"/>);
    /// when <c>--startup-timeout</c> runs out, the error says <paramref name="what"/> did not succeed within it.
    /// </summary>
    public Task<T> RunAsync<T>(Func<CancellationToken, ValueTask<T>> call, string what) =>
        EngineRetries.WithinAsync(() => EngineRetries.RunAsync(call, timeout, cancellationToken, retrying), what, "--startup-timeout", timeout);
}
