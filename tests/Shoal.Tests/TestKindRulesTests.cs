using System.Text.RegularExpressions;
using Xunit;

namespace Shoal.Tests;

/// <summary>
/// Tests come in kinds (docs/testing.md): unit tests need nothing but the test process; a test that starts a real
/// process or server (the built <c>shoal</c>, <c>nats-server</c>, a tmpfs mount) is <c>Category=Integration</c>, and
/// the one that drives a browser is <c>Category=Browser</c>, so <c>./test.sh --filter "Category!=Integration&amp;Category!=Browser"</c>
/// runs the unit tests alone. A test file that reaches for a real process must carry one of those traits.
/// </summary>
public sealed partial class TestKindRulesTests
{
    /// <summary>Helpers that start processes for the tests that use them (those tests carry the trait).</summary>
    private static readonly string[] Fixtures = ["VerbRunner.cs", "FaultRun.cs", "NatsServerFixture.cs"];

    [Fact]
    public void Every_test_file_that_starts_a_real_process_says_its_kind()
    {
        var root = RepositoryRoot.Find();
        var tests = Path.Combine(root, "tests", "Shoal.Tests");
        var offenders = Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !Fixtures.Contains(Path.GetFileName(file))
                && Path.GetFileName(file) != nameof(TestKindRulesTests) + ".cs")
            .Where(file =>
            {
                var text = File.ReadAllText(file);
                return RealProcess().IsMatch(text) && !Kind().IsMatch(text);
            })
            .Select(file => Path.GetRelativePath(tests, file))
            .ToList();
        Assert.True(offenders.Count == 0, "Tests that start real processes without [Trait(\"Category\", \"Integration\")] (or \"Browser\"): " + string.Join(", ", offenders));
    }

    [GeneratedRegex(@"RunProcessAsync|StartProcess|BuiltShoal|LocalNatsCluster|NatsFaultCluster|NatsServerFixture|ChildProcess|FaultRun|nats-server|Playwright|Process\.Start\(")]
    private static partial Regex RealProcess();

    [GeneratedRegex(@"Trait\(""Category"", ""(Integration|Browser)""\)")]
    private static partial Regex Kind();
}
