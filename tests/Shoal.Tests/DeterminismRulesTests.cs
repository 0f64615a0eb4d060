using System.Text.RegularExpressions;
using Xunit;

namespace Shoal.Tests;

/// <summary>
/// ARCHITECTURE.md, Determinism: Runtime, Cluster and engine code must run on one thread, on fake time, driven by
/// an injected scheduler. These calls escape that (to the thread pool or the wall clock), so they must not appear.
/// </summary>
public sealed partial class DeterminismRulesTests
{
    // Shoal.Engines.Nats too: the NATS client runs its own I/O threads, but Shoal's code on top of it keeps to the rules
    // (its timeouts go through TimeProvider).
    private static readonly string[] Projects = ["Shoal.Runtime", "Shoal.Cluster", "Shoal.Engines.InProcess", "Shoal.Engines.Nats", "Shoal.Abstractions"];

    [GeneratedRegex(@"Task\.Run\(|HashCode\.Combine\(|GetHashCode\(StringComparison|SemaphoreSlim|ConfigureAwait\(false\)|DateTime(Offset)?\.(Utc)?Now|\.CancelAsync\(|new Thread\(|ThreadPool\.|new Timer\(|Task\.Delay\((?![^;]*TimeProvider|[^;]*_time|[^;]*Time[,)])")]
    private static partial Regex Forbidden();

    [Fact]
    public void Runtime_cluster_and_engine_code_never_leaves_the_injected_scheduler_or_clock()
    {
        var root = FindRepositoryRoot();
        var violations = new List<string>();
        foreach (var project in Projects)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src", project), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                {
                    continue;
                }

                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                {
                    var code = lines[i].Split("//", 2)[0];
                    if (Forbidden().IsMatch(code))
                    {
                        violations.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {lines[i].Trim()}");
                    }
                }
            }
        }

        Assert.True(violations.Count == 0, "Calls that escape the injected scheduler or clock:\n" + string.Join('\n', violations));
    }

    private static string FindRepositoryRoot() => RepositoryRoot.Find();
}
