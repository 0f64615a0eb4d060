using Xunit;

namespace Shoal.Tests;

/// <summary>The test harness (tests/Shoal.TestSupport) never ships: no project under src/ may reference it.</summary>
public sealed class TestSupportRulesTests
{
    [Fact]
    public void No_shipping_project_references_the_test_harness()
    {
        var root = RepositoryRoot.Find();
        var offenders = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(file => File.ReadLines(file).Any(line =>
                line.Contains("<ProjectReference", StringComparison.Ordinal) && line.Contains("Shoal.TestSupport", StringComparison.Ordinal)))
            .Select(file => Path.GetRelativePath(root, file))
            .ToList();
        Assert.True(offenders.Count == 0, "Shipping projects referencing tests/Shoal.TestSupport: " + string.Join(", ", offenders));
    }
}
