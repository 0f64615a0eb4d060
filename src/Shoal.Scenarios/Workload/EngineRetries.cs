using System.Diagnostics;
using System.Globalization;

namespace Shoal.Scenarios.Workload;

/// <summary>
/// Retries a call to the engine while it fails with a transient <see cref="EngineException"/> (the engine's own
/// judgement, <see cref="EngineException.IsTransient"/>: a timeout, a server restarting, a leader election), backing off
/// from 100 ms to 2 s, for up to a given time. Each retry can be reported (one line naming what failed). When the time
/// is spent the last error propagates, saying how long it was retried; an error that is not transient propagates at once.
/// Each attempt has its own deadline (<see cref="DefaultAttemptTimeout"/> unless given): a call that waits past it is
/// cancelled and counts as a transient failure, so one call that never answers (a request lost while a server
/// restarts) cannot hold a retry loop for ever.
/// </summary>
public static class EngineRetries
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long one attempt may take before it is cancelled and retried: longer than an engine's own request timeouts
    /// (NATS: 10 s by default), so those, which say more, fire first.
    /// </summary>
    public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Runs <paramref name="call"/>, retrying it while it fails with transient engine errors for up to <paramref name="retryFor"/>.</summary>
    /// <param name="call">The engine call, given the attempt's token (cancelled by <paramref name="cancellationToken"/> or the
    /// attempt's deadline); called again after each transient failure.</param>
    /// <param name="retryFor">How long after the first attempt a retry may still start (the last wait is cut so that one starts at it); zero or less: one attempt.</param>
    /// <param name="cancellationToken">Stops the attempt and the waiting between attempts.</param>
    /// <param name="retrying">Told of each transient failure before its retry, with the wait before it.</param>
    /// <param name="attemptTimeout">How long one attempt may take; <see cref="DefaultAttemptTimeout"/> when null; <see cref="Timeout.InfiniteTimeSpan"/>: no deadline.</param>
    public static async Task<T> RunAsync<T>(
        Func<CancellationToken, ValueTask<T>> call, TimeSpan retryFor, CancellationToken cancellationToken,
        Action<EngineException, TimeSpan>? retrying = null, TimeSpan? attemptTimeout = null)
    {
        var perAttempt = attemptTimeout ?? DefaultAttemptTimeout;
        var backoff = FirstBackoff;
        var started = Stopwatch.GetTimestamp();
        var retries = 0;
        var last = false;
        while (true)
        {
            try
            {
                return await AttemptAsync(call, perAttempt, cancellationToken);
            }
            catch (EngineException e) when (e.IsTransient && !last && Stopwatch.GetElapsedTime(started) < retryFor)
            {
                // The last wait is cut to the deadline, and one more attempt is made at it: a server that comes up just
                // before the deadline is still found (before, a wait that would pass the deadline was not begun, so
                // --timeout 3s gave up after 1.8 s).
                var remaining = retryFor - Stopwatch.GetElapsedTime(started);
                last = backoff >= remaining;
                var wait = last ? remaining : backoff;
                retrying?.Invoke(e, wait);
                retries++;
                await Task.Delay(wait, cancellationToken);
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

    private static async Task<T> AttemptAsync<T>(Func<CancellationToken, ValueTask<T>> call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            return await call(attempt.Token);
        }
        catch (OperationCanceledException e) when (attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new EngineException($"the engine did not answer within {Durations.Format(timeout)}; the call was abandoned", e, isTransient: true);
        }
    }

    /// <summary>Reports each retry on <paramref name="error"/> as one line: <c>retrying in 400ms: what failed</c> (the wait in whole milliseconds).</summary>
    public static Action<EngineException, TimeSpan> ReportTo(TextWriter error) =>
        (e, wait) => error.WriteLine($"retrying in {Durations.Format(TimeSpan.FromMilliseconds(Math.Round(wait.TotalMilliseconds)))}: {e.Message}");

    /// <summary>
    /// Runs <paramref name="step"/> (retries of its own included); when it still fails with a transient error, says
    /// <paramref name="what"/> did not succeed within <paramref name="option"/> (the option that set the deadline, as the
    /// user wrote it, e.g. <c>--timeout</c>) and <paramref name="deadline"/>, then the last error, without guessing why.
    /// </summary>
    public static async Task<T> WithinAsync<T>(Func<Task<T>> step, string what, string option, TimeSpan deadline)
    {
        try
        {
            return await step();
        }
        catch (EngineException e) when (e.IsTransient)
        {
            throw Expired(what, option, deadline, e);
        }
    }

    /// <summary>What a run last saw when the deadline <paramref name="option"/> set ran out (see <see cref="WithinAsync"/>).</summary>
    public static EngineException Expired(string what, string option, TimeSpan deadline, EngineException last) =>
        new($"{what} did not succeed within {option} {Durations.Format(deadline)}; the last error was: {last.Message}", last, isTransient: true);
}
