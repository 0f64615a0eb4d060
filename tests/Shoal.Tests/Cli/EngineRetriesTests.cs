using Shoal.Scenarios.Workload;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>
/// The retry loop of the verbs' engine calls. A call that never answers must not hold it for ever: a worker started
/// while the JetStream meta leader restarted once waited 90 s on one call, silently, and never joined its group.
/// </summary>
public sealed class EngineRetriesTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_retry_is_reported_with_its_wait_in_whole_milliseconds()
    {
        // The last wait is cut to the deadline, so it has a fraction: it was printed as "retrying in 306.9188ms".
        var error = new StringWriter();
        EngineRetries.ReportTo(error)(new EngineException("no answer", isTransient: true), TimeSpan.FromMilliseconds(306.9188));

        Assert.Equal("retrying in 307ms: no answer", error.ToString().TrimEnd());
    }

    [Fact]
    public async Task An_attempt_that_never_answers_is_abandoned_at_its_deadline_and_retried()
    {
        var attempts = 0;
        var reported = new List<string>();
        var result = await EngineRetries.RunAsync(
            async attempt =>
            {
                if (Interlocked.Increment(ref attempts) == 1)
                {
                    await Task.Delay(Timeout.Infinite, attempt); // a request whose answer was lost
                }

                return 42;
            },
            retryFor: Generous,
            CancellationToken.None,
            (e, _) => reported.Add(e.Message),
            attemptTimeout: TimeSpan.FromMilliseconds(200)).WaitAsync(Generous);

        Assert.Equal(42, result);
        Assert.Equal(2, attempts);
        var line = Assert.Single(reported);
        Assert.Contains("did not answer within 200ms", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_that_never_answers_fails_transient_once_the_retry_time_is_spent()
    {
        var attempts = 0;
        var error = await Assert.ThrowsAsync<EngineException>(() => EngineRetries.RunAsync<int>(
            async attempt =>
            {
                Interlocked.Increment(ref attempts);
                await Task.Delay(Timeout.Infinite, attempt);
                return 0;
            },
            retryFor: TimeSpan.FromMilliseconds(500),
            CancellationToken.None,
            attemptTimeout: TimeSpan.FromMilliseconds(200)).WaitAsync(Generous));

        Assert.True(error.IsTransient);
        Assert.True(attempts >= 2, $"attempts: {attempts}");
        Assert.Contains("did not answer within 200ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retries_go_on_until_the_deadline_and_the_last_attempt_is_made_at_it()
    {
        // Once, a wait that would pass the deadline was not begun: --timeout 3s gave up after 1.8 s, and a server up at
        // 2.5 s was missed. Backoff 100, 200, 400, 800 ms: after 1.5 s the next 1.6 s wait is cut to the deadline.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var attempts = 0;
        var error = await Assert.ThrowsAsync<EngineException>(() => EngineRetries.RunAsync<int>(
            _ =>
            {
                Interlocked.Increment(ref attempts);
                throw new EngineException("not up yet (test)", isTransient: true);
            },
            retryFor: TimeSpan.FromSeconds(2.5),
            CancellationToken.None).WaitAsync(Generous));

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2.4), $"gave up after {clock.Elapsed}, before the 2.5 s deadline");
        Assert.Equal(6, attempts);
        Assert.Contains("still failing after 5 retries", error.Message, StringComparison.Ordinal);

        // And a server that answers just before the deadline is found.
        clock.Restart();
        var result = await EngineRetries.RunAsync(
            _ => clock.Elapsed < TimeSpan.FromSeconds(2.3) ? throw new EngineException("not up yet (test)", isTransient: true) : ValueTask.FromResult(7),
            retryFor: TimeSpan.FromSeconds(2.5),
            CancellationToken.None).WaitAsync(Generous);
        Assert.Equal(7, result);
    }

    [Fact]
    public async Task Cancelling_the_caller_stops_an_attempt_at_once_and_is_not_retried()
    {
        using var stop = new CancellationTokenSource();
        var attempts = 0;
        var running = EngineRetries.RunAsync<int>(
            async attempt =>
            {
                Interlocked.Increment(ref attempts);
                await Task.Delay(Timeout.Infinite, attempt);
                return 0;
            },
            retryFor: Generous,
            stop.Token);

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Generous));
        Assert.Equal(1, attempts);
    }
}
