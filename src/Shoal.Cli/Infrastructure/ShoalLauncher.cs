using Shoal.Hosting.Processes;

namespace Shoal.Cli.Infrastructure;

/// <summary>How to start <c>shoal</c> as a child process: an executable and the arguments that come before the verb.</summary>
internal sealed record ShoalLauncher(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>
    /// The <c>shoal</c> this process runs: its own executable (an app host), or <c>dotnet shoal.dll</c> when it was
    /// started through the <c>dotnet</c> host (or the host is unknown).
    /// </summary>
    public static ShoalLauncher Current()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        var assembly = typeof(ShoalLauncher).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? new ShoalLauncher(process, [assembly])
            : new ShoalLauncher(process, []);
    }

    /// <summary>Starts <c>shoal</c> with <paramref name="arguments"/> (the verb first): see <see cref="ChildProcess.Start"/>.</summary>
    public ChildProcess Start(string name, IEnumerable<string> arguments, string? logFile = null, int? keptLines = null) =>
        ChildProcess.Start(FileName, name, [.. Prefix, .. arguments], logFile, keptLines);
}
