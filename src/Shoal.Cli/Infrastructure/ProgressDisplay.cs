using Spectre.Console;

namespace Shoal.Cli.Infrastructure;

/// <summary>
/// Runs work that reports a count towards a total, with a Spectre.Console progress bar only when a human
/// watches a terminal (<see cref="CliOutput.IsInteractive"/>); otherwise the reports are dropped.
/// </summary>
internal static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(CliOutput output, string description, long total, Func<IProgress<long>, Task<T>> work)
    {
        if (!output.IsInteractive)
        {
            return await work(NoProgress.Instance);
        }

        var result = default(T)!;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new ElapsedTimeColumn(),
                new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(description, maxValue: Math.Max(1, total));
                result = await work(new TaskProgress(task));
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>Sets the task's value directly (thread-safe in Spectre), unlike <see cref="Progress{T}"/> which posts.</summary>
    private sealed class TaskProgress(ProgressTask task) : IProgress<long>
    {
        public void Report(long value) => task.Value = value;
    }

    private sealed class NoProgress : IProgress<long>
    {
        public static readonly NoProgress Instance = new();

        public void Report(long value)
        {
        }
    }
}
