using Shoal.Scenarios;

namespace Shoal.Cli.Infrastructure;

/// <summary>The <c>shoal</c> this process runs, to start more of it as child processes (workers, producers, verifiers).</summary>
internal static class ThisShoal
{
    /// <summary>This executable (an app host), or <c>dotnet shoal.dll</c> (this assembly) under the <c>dotnet</c> host.</summary>
    public static ShoalLauncher Launcher() => ShoalLauncher.Current(typeof(ThisShoal).Assembly.Location);
}
