using System.Globalization;
using Shoal.Cli.Infrastructure;
using Shoal.Cluster.Autoscaling;
using Spectre.Console;

namespace Shoal.Cli.Supervise;

/// <summary>
/// How <c>shoal supervise</c> shows its decisions: in a terminal a live table of the workers and the latest events
/// (Spectre.Console); redirected, one plain line per event (the decision log); with <c>--json</c>, one JSON object per
/// event, then the summary as the last line.
/// </summary>
internal static class SupervisorView
{
    private const int ShownEvents = 12;

    /// <param name="output">Where the view is written.</param>
    /// <param name="heading">The line shown above the live view.</param>
    /// <param name="start">Creates and starts the supervisor with the given event sink.</param>
    public static async Task<SupervisorSummary> RunAsync(CliOutput output, string heading, Func<Action<SupervisorEvent>, (Supervisor Supervisor, Task<SupervisorSummary> Run)> start)
    {
        if (output.Json)
        {
            return await start(e => output.WriteJson(e, CliJsonContext.Default.SupervisorEvent)).Run;
        }

        if (!output.IsInteractive)
        {
            output.Line(heading);
            return await start(e => output.Line(Describe(e))).Run;
        }

        var recent = new Queue<SupervisorEvent>();
        var workers = new Table().AddColumn("worker").AddColumn(new TableColumn("pid").RightAligned()).AddColumn("state").AddColumn(new TableColumn("up").RightAligned()).AddColumn(new TableColumn("restarts").RightAligned());
        var log = new Table().AddColumn("time").AddColumn("event").Expand();
        var layout = new Rows(new Markup(Markup.Escape(heading)), workers, log);
        SupervisorSummary summary = null!;
        await AnsiConsole.Live(layout).AutoClear(false).StartAsync(async context =>
        {
            Supervisor? supervisor = null;
            var (created, run) = start(e =>
            {
                recent.Enqueue(e);
                while (recent.Count > ShownEvents)
                {
                    recent.Dequeue();
                }

                if (supervisor is null)
                {
                    return;
                }

                Redraw(supervisor, workers, log, recent, e);
                context.Refresh();
            });
            supervisor = created;
            summary = await run;
        });
        return summary;
    }

    /// <summary>One line of the plain decision log.</summary>
    public static string Describe(SupervisorEvent e)
    {
        var c = CultureInfo.InvariantCulture;
        var time = e.At.ToLocalTime().ToString("HH:mm:ss.fff", c);
        return $"{time} {e.Type,-9} {Detail(e)}";
    }

    private static string Detail(SupervisorEvent e)
    {
        var c = CultureInfo.InvariantCulture;
        var who = e.Pid is { } pid ? $"{e.Member} (pid {pid})" : e.Member;
        var extra = e.Message is null ? string.Empty : $" — {e.Message}";
        return e.Type switch
        {
            SupervisorEventTypes.Decision => string.Create(c,
                $"{e.From,2} -> {e.To,-2} {e.Reason,-26} lag {e.Lag,9:N0}  arrivals {e.ArrivalRate,8:N1}/s  processed {e.ProcessedRate,8:N1}/s  per worker {e.PerMemberRate,7:N1}/s  live {e.LiveMembers}  recommended {e.Recommendation}"),
            SupervisorEventTypes.Started or SupervisorEventTypes.Stopping => $"{who} ({e.Reason}); {e.Workers} workers{extra}",
            SupervisorEventTypes.Restarted => string.Create(c, $"{who} (restart {e.Count}){extra}"),
            SupervisorEventTypes.Crashed => string.Create(c, $"{who} exited with code {e.ExitCode} without being asked; restarting in {e.Count} ms{extra}"),
            SupervisorEventTypes.Exited => string.Create(c, $"{who} exited with code {e.ExitCode}{extra}"),
            _ => $"{who}{extra}".TrimStart(' ', '—'),
        };
    }

    private static void Redraw(Supervisor supervisor, Table workers, Table log, Queue<SupervisorEvent> recent, SupervisorEvent latest)
    {
        var c = CultureInfo.InvariantCulture;
        workers.Rows.Clear();
        foreach (var w in supervisor.View())
        {
            var state = w.State switch
            {
                "running" => "[green]running[/]",
                "stopping" => "[yellow]stopping[/]",
                _ => "[red]restarting[/]",
            };
            workers.AddRow(Markup.Escape(w.MemberId), w.Pid == 0 ? "-" : w.Pid.ToString(c), state, Durations.Format(TimeSpan.FromSeconds(Math.Floor(w.Age.TotalSeconds))), w.Restarts.ToString(c));
        }

        if (latest.Type == SupervisorEventTypes.Decision)
        {
            workers.Caption(Markup.Escape(string.Create(c,
                $"desired {latest.To} ({latest.Reason}) · lag {latest.Lag:N0} · arrivals {latest.ArrivalRate:N1}/s · per worker {latest.PerMemberRate:N1}/s · live members {latest.LiveMembers}")));
        }

        log.Rows.Clear();
        foreach (var e in recent.Reverse())
        {
            log.AddRow(e.At.ToLocalTime().ToString("HH:mm:ss", c), Markup.Escape($"{e.Type} {Detail(e)}"));
        }
    }
}
