using System.Globalization;
using Shoal.Cli.Infrastructure;
using Shoal.Scenarios.Demo;
using Spectre.Console;

namespace Shoal.Cli.Demo;

/// <summary>Prints a <see cref="DemoReport"/> for humans: a table in a terminal, plain lines otherwise.</summary>
internal static class DemoReportPrinter
{
    public static void Print(CliOutput output, DemoReport report)
    {
        var rows = Rows(report);
        var verdict = report.Passed()
            ? "PASS: every published event was handled, each key in order."
            : "FAIL: events were lost or handled out of order.";
        if (output.IsInteractive)
        {
            var table = new Table().Title("shoal demo").AddColumn("Measure").AddColumn(new TableColumn("Value").RightAligned());
            foreach (var (name, value) in rows)
            {
                table.AddRow(Markup.Escape(name), Markup.Escape(value));
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine(report.Passed() ? $"[green]{Markup.Escape(verdict)}[/]" : $"[red]{Markup.Escape(verdict)}[/]");
            return;
        }

        var width = rows.Max(r => r.Name.Length);
        foreach (var (name, value) in rows)
        {
            output.Line($"{name.PadRight(width)}  {value}");
        }

        output.Line(verdict);
    }

    private static (string Name, string Value)[] Rows(DemoReport r)
    {
        var c = CultureInfo.InvariantCulture;
        (string, string)[] cluster = r.Assignment is null ? [] :
        [
            ("zombie commits rejected", r.ZombieCommitsRejected.ToString("N0", c)),
            ("zombie commits accepted", r.ZombieCommitsAccepted.ToString("N0", c)),
            ("failover", r.FailoverMs.ToString("N0", c) + " ms"),
            ("rebalance pause", $"{r.RebalancePauseMs.ToString("N0", c)} ms, of which GC {r.RebalancePauseGcMs.ToString("N0", c)} ms (steady: {r.SteadyPauseMs.ToString("N0", c)} ms, GC {r.SteadyPauseGcMs.ToString("N0", c)} ms)"),
            .. r.Assignment.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => ("  " + a.Key, string.Join(' ', a.Value))),
        ];
        return
        [
            ("produced", r.Produced.ToString("N0", c)),
            ("processed", r.Processed.ToString("N0", c)),
            ("lost", r.Lost.ToString("N0", c)),
            ("duplicates", r.Duplicates.ToString("N0", c)),
            ("order violations", r.OrderViolations.ToString("N0", c)),
            ("events/s", r.EventsPerSecond.ToString("N0", c)),
            ("elapsed", r.ElapsedMs.ToString("N0", c) + " ms"),
            ("peak memory", r.PeakMemoryMb.ToString("N1", c) + " MB"),
            ("partitions", r.Partitions.ToString(c)),
            ("keys", r.Keys.ToString("N0", c)),
            ("nodes", r.Nodes.ToString(c)),
            .. cluster,
        ];
    }
}
