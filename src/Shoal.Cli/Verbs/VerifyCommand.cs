using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Engine;

namespace Shoal.Cli.Verbs;

/// <summary><c>shoal verify</c>: checks a group's verify records against what <c>shoal produce</c> published.</summary>
internal static class VerifyCommand
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>How long past <c>--wait</c>, and how long without progress, a call under way may take before the verb gives up on it.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    public static Command Create()
    {
        var engine = EngineUris.CreateOption();
        var topic = VerbOptions.Topic("The topic 'shoal produce' published to");
        var group = VerbOptions.Group("The group whose workers ran --handler verify");
        var wait = DurationOptions.Create("--wait", TimeSpan.FromSeconds(30), "How long to wait for the group to catch up before reporting");
        var json = CliOutput.CreateJsonOption();
        var command = new Command("verify", "Wait until a group has caught up (or --wait passes), then report lost, duplicated and reordered events; exit 1 on loss or reordering")
        {
            engine, topic, group, wait, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            return output.RunAsync(
                () => RunAsync(parseResult.GetValue(engine)!, parseResult.GetValue(topic)!, parseResult.GetValue(group)!, parseResult.GetValue(wait), output, cancellationToken),
                cancellationToken);
        });
        return command;
    }

    /// <remarks>
    /// Transient engine errors (a timeout, a server restarting, a leader election) are retried, each reported on
    /// stderr, for as long as <paramref name="wait"/> lasts (counted from the start); only then does the verb fail,
    /// with the last error. Past <paramref name="wait"/> plus <see cref="Grace"/>, a call that has not returned for
    /// <see cref="Grace"/> (a listing, a read, a connection: anything that hangs) is given up on: the verb fails with
    /// one line saying what it was waiting for. A pass still making progress (each read batch is progress) is let finish.
    /// </remarks>
    private static async Task<int> RunAsync(string uri, string topic, string group, TimeSpan wait, CliOutput output, CancellationToken cancellationToken)
    {
        var waitingFor = new WaitingFor($"a connection to {uri}");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var work = CheckAsync(uri, topic, group, wait, output, waitingFor, deadline.Token);
        while (!work.IsCompleted)
        {
            if (Stopwatch.GetElapsedTime(started) - wait >= Grace && waitingFor.Idle >= Grace)
            {
                // Not awaited: a call that does not observe its token cannot hold the verb past the deadline either.
                await deadline.CancelAsync();
                return output.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"--wait {Durations.Format(wait)} passed, and nothing came for {waitingFor.Idle.TotalSeconds:0.0} s while waiting for {waitingFor.What}."));
            }

            await Task.WhenAny(work, Task.Delay(Poll, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }

        return await work;
    }

    private static async Task<int> CheckAsync(string uri, string topic, string group, TimeSpan wait, CliOutput output, WaitingFor waitingFor, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var retrying = EngineRetries.ReportTo(output.Error);
        Task<T> WithinWait<T>(Func<ValueTask<T>> call) => EngineRetries.RunAsync(call, wait - clock.Elapsed, cancellationToken, retrying);

        await using var engine = await WithinWait(() => ShoalEngines.OpenAsync(uri, EngineUris.Services, cancellationToken));
        waitingFor.What = $"the description of topic '{topic}' on {uri}";
        var description = await WithinWait(() => engine.Log.DescribeTopicAsync(topic, cancellationToken))
            ?? throw new ShoalException($"topic '{topic}' does not exist on {uri}.");
        var scan = new VerifyScan(engine, topic, group, description.Partitions, waitingFor);
        long lag;
        while (true)
        {
            // Caught up: every event is committed, so every record is stored (records before commits); whatever
            // has no record now never will. A pass that fails part-way is taken again from where it stopped.
            lag = await WithinWait(() => new ValueTask<long>(scan.PassAsync(cancellationToken)));
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
        };
        if (output.Json)
        {
            output.WriteJson(report, CliJsonContext.Default.VerifyReport);
        }
        else
        {
            output.Line($"topic            {topic} (group {group}, {report.Runs} produce runs)");
            output.Line($"produced         {report.Produced} ({report.Acknowledged} acknowledged)");
            output.Line($"processed        {report.Processed}");
            output.Line($"lost             {report.Lost}{(report.MissingFromLog > 0 ? $" ({report.MissingFromLog} acknowledged but missing from the topic)" : string.Empty)}");
            output.Line($"duplicates       {report.Duplicates}");
            output.Line($"orderViolations  {report.OrderViolations}");
            output.Line($"unexpected       {report.Unexpected}");
            output.Line($"caught up        {(report.CaughtUp ? "yes" : $"no (lag {report.Lag})")}");
            output.Line(report.Passed() ? "PASS" : "FAIL");
        }

        if (report.Unexpected > 0)
        {
            output.Fail($"{scan.UnexpectedEvents} events in '{topic}' and {scan.UnexpectedRecords} records were not written by 'shoal produce' / 'shoal worker --handler verify' for a known run; they cannot be verified.");
        }

        return report.Passed() ? ExitCodes.Ok : ExitCodes.Failed;
    }
}

/// <summary>What <c>shoal verify</c> is waiting for at the moment, for the error that ends it at its deadline.</summary>
internal sealed class WaitingFor(string what)
{
    private volatile string _what = what;
    private long _since = Stopwatch.GetTimestamp();

    /// <summary>The call under way; setting it marks progress (the previous call returned).</summary>
    public string What
    {
        get => _what;
        set
        {
            _what = value;
            Volatile.Write(ref _since, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>How long the call under way has been running.</summary>
    public TimeSpan Idle => Stopwatch.GetElapsedTime(Volatile.Read(ref _since));
}

/// <summary>What <c>shoal verify</c> found; <c>--json</c> prints it with exactly these camelCase names.</summary>
internal sealed record VerifyReport
{
    public required string Topic { get; init; }

    public required string Group { get; init; }

    /// <summary>Distinct events of the produce runs found in the topic or acknowledged to a producer.</summary>
    public long Produced { get; init; }

    /// <summary>Events the producers report as acknowledged (sum over runs).</summary>
    public long Acknowledged { get; init; }

    /// <summary>Records of handled events, duplicates included.</summary>
    public long Processed { get; init; }

    /// <summary>Produced events with no record.</summary>
    public long Lost { get; init; }

    /// <summary>Records of an event already recorded (redeliveries: allowed, delivery is at-least-once).</summary>
    public long Duplicates { get; init; }

    /// <summary>Records that broke a key's order (see docs/cli.md, shoal verify).</summary>
    public long OrderViolations { get; init; }

    /// <summary>Acknowledged events not found in the topic (lost by the engine; included in <see cref="Lost"/> unless handled).</summary>
    public long MissingFromLog { get; init; }

    /// <summary>Events or records that no produce run accounts for (foreign events, corrupt records).</summary>
    public long Unexpected { get; init; }

    /// <summary>Events trimmed from the topic by retention before they could be read.</summary>
    public long Trimmed { get; init; }

    /// <summary>True when the group's committed offsets reached the topic's end offsets.</summary>
    public bool CaughtUp { get; init; }

    /// <summary>End offsets minus committed offsets, summed over partitions, at the last look.</summary>
    public long Lag { get; init; }

    /// <summary>Produce runs on the topic.</summary>
    public int Runs { get; init; }

    public long ElapsedMs { get; init; }

    /// <summary>Nothing lost, no order violation, nothing unaccounted for.</summary>
    public bool Passed() => Lost == 0 && OrderViolations == 0 && Unexpected == 0;
}
