using Shoal.Hosting.Processes;

namespace Shoal.Scenarios;

/// <summary>How to start <c>shoal</c> as a child process: an executable and the arguments that come before the verb.</summary>
/// <param name="FileName">The executable: the <c>shoal</c> app host, or the <c>dotnet</c> host.</param>
/// <param name="Prefix">Arguments before the verb: none for the app host, the path of <c>shoal.dll</c> for <c>dotnet</c>.</param>
public sealed record ShoalLauncher(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>
    /// The <c>shoal</c> this process runs: its own executable (an app host), or <c>dotnet <paramref name="cliAssembly"/></c>
    /// when it was started through the <c>dotnet</c> host (or the host is unknown). This library cannot know where the
    /// CLI's assembly is: the CLI passes its own (<c>shoal.dll</c>).
    /// </summary>
    /// <param name="cliAssembly">The path of the CLI's assembly, run by <c>dotnet</c> when there is no app host.</param>
    public static ShoalLauncher Current(string cliAssembly)
    {
        var process = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? new ShoalLauncher(process, [cliAssembly])
            : new ShoalLauncher(process, []);
    }

    /// <summary>Starts <c>shoal</c> with <paramref name="arguments"/> (the verb first): see <see cref="ChildProcess.Start"/>.</summary>
    /// <param name="name">What messages call the process.</param>
    /// <param name="arguments">The verb and its options, each passed as one.</param>
    /// <param name="logFile">A file every stdout and stderr line is appended to, or null.</param>
    /// <param name="keptLines">How many of the last lines of each stream to keep in memory; null keeps them all.</param>
    /// <param name="environment">Variables to set (a null value removes one) on top of this process's environment, e.g. <c>SHOAL_ENGINE</c>.</param>
    public ChildProcess Start(string name, IEnumerable<string> arguments, string? logFile = null, int? keptLines = null, IReadOnlyDictionary<string, string?>? environment = null) =>
        ChildProcess.Start(FileName, name, [.. Prefix, .. arguments], logFile, keptLines, environment);
}
