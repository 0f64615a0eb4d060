using Shoal.Cli.Infrastructure;
using Shoal.Scenarios.Demo;
using Spectre.Console;

namespace Shoal.Cli.Demo;

/// <summary>
/// The cluster demo's live view in a terminal: members × partitions (with epochs), handled counts, throughput and
/// lag, redrawn as the run reports snapshots. Without a terminal (or with --json) the snapshots are dropped.
/// </summary>
internal static class ClusterLiveView
{
    public static async Task<T> RunAsync<T>(CliOutput output, long total, Func<IDemoProgress, Task<T>> work)
    {
        if (!output.IsInteractive)
        {
            return await work(new Sink(null));
        }

        var table = new Table().Title("shoal demo — cluster").AddColumn("member").AddColumn("state").AddColumn("partitions (epoch)").AddColumn(new TableColumn("handled").RightAligned());
        var result = default(T)!;
        await AnsiConsole.Live(table).AutoClear(false).StartAsync(async context =>
        {
            var sink = new Sink(snapshot =>
            {
                table.Rows.Clear();
                foreach (var member in snapshot.Members)
                {
                    var partitions = string.Join(' ', member.Partitions.OrderBy(p => p.Key).Select(p => $"{p.Key}({p.Value})"));
                    table.AddRow(member.Id, member.State, partitions.Length == 0 ? "-" : partitions, member.Handled.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
                }

                table.Caption($"{snapshot.Handled:N0} / {total:N0} handled · {snapshot.EventsPerSecond:N0} events/s · lag {snapshot.Lag:N0}");
                context.Refresh();
            });
            result = await work(sink);
        });
        return result;
    }

    private sealed class Sink(Action<ClusterSnapshot>? show) : IDemoProgress
    {
        private long _lastShown;

        public void Handled(long count)
        {
        }

        public void Cluster(ClusterSnapshot value)
        {
            // Redraw at most every 200 ms.
            var now = Environment.TickCount64;
            if (show is not null && now - Interlocked.Read(ref _lastShown) >= 200)
            {
                Interlocked.Exchange(ref _lastShown, now);
                show(value);
            }
        }
    }
}
