using System.Diagnostics;
using System.Globalization;

namespace Shoal.Scenarios.Workload;

/// <summary>
/// Retries a call to the engine while it fails with a transient <see cref="EngineException"/> (the engine's own
/// judgement, <see cref="EngineException.IsTransient"/>: a timeout, a server restarting, a leader election), backing off
/// from 100 ms to 2 s, for up to a given time. Each retry can be reported (one line naming what failed). When the time
/// is spent the last error propagates, saying how long it was retried; an error that is not transient propagates at once.
/// </summary>
public static class EngineRetries
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    /// <summary>Runs <paramref name="call"/>, retrying it while it fails with transient engine errors for up to <paramref name="retryFor"/>.</summary>
    /// <param name="call">The engine call; called again after each transient failure.</param>
    /// <param name="retryFor">How long after the first attempt a retry may still start; zero or less: one attempt.</param>
    /// <param name="cancellationToken">Stops the waiting between attempts.</param>
    /// <param name="retrying">Told of each transient failure before its retry, with the wait before it.</param>
    public static async Task<T> RunAsync<T>(
        Func<ValueTask<T>> call, TimeSpan retryFor, CancellationToken cancellationToken, Action<EngineException, TimeSpan>? retrying = null)
    {
        var backoff = FirstBackoff;
        var started = Stopwatch.GetTimestamp();
        var retries = 0;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (EngineException e) when (e.IsTransient && Stopwatch.GetElapsedTime(started) + backoff < retryFor)
            {
                retrying?.Invoke(e, backoff);
                retries++;
                await Task.Delay(backoff, cancellationToken);
                backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
            }
            catch (EngineException e) when (e.IsTransient && retries > 0)
            {
                var over = Stopwatch.GetElapsedTime(started).TotalSeconds;
                throw new EngineException(
                    string.Create(CultureInfo.InvariantCulture, $"{e.Message} (still failing after {retries} retries over {over:0.#} s)"), e, isTransient: true);
            }
        }
    }

    /// <summary>Reports each retry on <paramref name="error"/> as one line: <c>retrying in 400ms: what failed</c>.</summary>
    public static Action<EngineException, TimeSpan> ReportTo(TextWriter error) =>
        (e, wait) => error.WriteLine($"retrying in {Durations.Format(wait)}: {e.Message}");
}
