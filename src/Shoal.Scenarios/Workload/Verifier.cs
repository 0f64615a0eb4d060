using System.Diagnostics;
using System.Globalization;
using Shoal.Engine;

namespace Shoal.Scenarios.Workload;

/// <summary>
/// Runs <c>shoal verify</c>: waits until a group has caught up (or the wait passes), then checks the group's verify
/// records against what <c>shoal produce</c> published (<see cref="VerifyScan"/>): lost, duplicated and reordered events.
/// </summary>
public static class Verifier
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>How long past <c>--wait</c>, and how long without progress, a call under way may take before the verb gives up on it.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>Waits until <paramref name="group"/> has caught up or <paramref name="wait"/> has passed, then checks it; returns what it found.</summary>
    /// <remarks>
    /// Transient engine errors (a timeout, a server restarting, a leader election) are retried, each reported on
    /// stderr, for as long as <paramref name="wait"/> lasts (counted from the start); only then does the verb fail,
    /// with the last error. Past <paramref name="wait"/> plus <see cref="Grace"/>, a call that has not returned for
    /// <see cref="Grace"/> (a listing, a read, a connection: anything that hangs) is given up on: the verb fails with
    /// one line saying what it was waiting for. A pass still making progress (each read batch is progress) is let finish.
    /// </remarks>
    /// <param name="uri">The engine URI.</param>
    /// <param name="topic">The topic <c>shoal produce</c> published to.</param>
    /// <param name="group">The group whose workers ran the verify handler.</param>
    /// <param name="wait">How long to wait for the group to catch up before reporting.</param>
    /// <param name="services">What the engine gets (its logger).</param>
    /// <param name="error">Where retries of transient engine errors are reported, one line each.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    /// <exception cref="ShoalException">The engine or the topic cannot be read within the deadline.</exception>
    public static async Task<VerifyReport> RunAsync(
        string uri, string topic, string group, TimeSpan wait, EngineServices services, TextWriter error, CancellationToken cancellationToken)
    {
        var waitingFor = new WaitingFor($"a connection to {ShoalEngines.Redact(uri)}");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var work = CheckAsync(uri, topic, group, wait, services, error, waitingFor, deadline.Token);
        while (!work.IsCompleted)
        {
            if (Stopwatch.GetElapsedTime(started) - wait >= Grace && waitingFor.Idle >= Grace)
            {
                // Not awaited: a call that does not observe its token cannot hold the verb past the deadline either.
                await deadline.CancelAsync();
                throw new ShoalException(string.Create(CultureInfo.InvariantCulture,
                    $"--wait {Durations.Format(wait)} passed, and nothing came for {waitingFor.Idle.TotalSeconds:0.0} s while waiting for {waitingFor.What}."));
            }

            await Task.WhenAny(work, Task.Delay(Poll, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }

        return await work;
    }

    private static async Task<VerifyReport> CheckAsync(
        string uri, string topic, string group, TimeSpan wait, EngineServices services, TextWriter error, WaitingFor waitingFor, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var retrying = EngineRetries.ReportTo(error);
        Task<T> WithinWait<T>(Func<CancellationToken, ValueTask<T>> call, TimeSpan? attemptTimeout = null) =>
            EngineRetries.RunAsync(call, wait - clock.Elapsed, cancellationToken, retrying, attemptTimeout);

        await using var engine = await EngineRetries.WithinAsync(() => WithinWait(attempt => ShoalEngines.OpenAsync(uri, services, attempt)), "connecting", "--wait", wait);
        waitingFor.What = $"the description of topic '{topic}' on {ShoalEngines.Redact(uri)}";
        var description = await EngineRetries.WithinAsync(() => WithinWait(attempt => engine.Log.DescribeTopicAsync(topic, attempt)), "reading the topic", "--wait", wait)
            ?? throw new ShoalException($"topic '{topic}' does not exist on {ShoalEngines.Redact(uri)}.");
        var scan = new VerifyScan(engine, topic, group, description.Partitions, waitingFor);
        long lag;
        while (true)
        {
            // Caught up: every event is committed, so every record is stored (records before commits); whatever
            // has no record now never will. A pass that fails part-way is taken again from where it stopped.
            // A pass over a big topic may rightly take long; its reads time themselves (per entry) and a failed pass
            // resumes where it stopped, so the pass as a whole has no attempt deadline.
            lag = await WithinWait(attempt => new ValueTask<long>(scan.PassAsync(attempt)), Timeout.InfiniteTimeSpan);
            if (lag == 0 || clock.Elapsed >= wait)
            {
                break;
            }

            waitingFor.What = $"group '{group}' to catch up (lag {lag})";
            await Task.Delay(Poll, cancellationToken);
        }

        var missing = scan.MarkAcknowledged();
        var counts = scan.Check();
        var report = new VerifyReport
        {
            Topic = topic,
            Group = group,
            Produced = counts.Produced,
            Acknowledged = scan.Runs.Sum(r => r.Acknowledged),
            Processed = counts.Processed,
            Lost = counts.Lost,
            Duplicates = counts.Duplicates,
            OrderViolations = counts.OrderViolations,
            MissingFromLog = missing,
            Unexpected = scan.UnexpectedEvents + scan.UnexpectedRecords,
            Trimmed = scan.Trimmed,
            CaughtUp = lag == 0,
            Lag = lag,
            Runs = scan.Runs.Count,
            ElapsedMs = (long)clock.Elapsed.TotalMilliseconds,
            UnexpectedEvents = scan.UnexpectedEvents,
            UnexpectedRecords = scan.UnexpectedRecords,
        };
        return report;
    }
}
