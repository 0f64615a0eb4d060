using System.Diagnostics;

namespace Shoal.Cli.Verbs;

/// <summary>
/// Retries a call to the engine while it fails with <see cref="EngineException"/> (a server failing over, a leader
/// election), backing off from 100 ms to 2 s, for up to a given time; then the last error propagates.
/// </summary>
internal static class EngineRetries
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    public static async Task<T> RunAsync<T>(Func<ValueTask<T>> call, TimeSpan retryFor, CancellationToken cancellationToken)
    {
        var backoff = FirstBackoff;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (EngineException) when (Stopwatch.GetElapsedTime(started) + backoff < retryFor)
            {
                await Task.Delay(backoff, cancellationToken);
                backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
            }
        }
    }
}
