using System.Xml.Linq;
using Xunit;

namespace Shoal.Tests;

/// <summary>
/// What every package needs before <c>dotnet pack</c> (docs/install.md): read from the project files, without packing,
/// so a package added without its description or README, or outside src/ (where the package metadata is), fails here.
/// </summary>
public sealed class PackageMetadataTests
{
    private static readonly string Root = RepositoryRoot.Find();

    public static TheoryData<string> PackableProjects()
    {
        var data = new TheoryData<string>();
        foreach (var project in Projects().Where(IsPackable))
        {
            data.Add(Path.GetRelativePath(Root, project));
        }

        return data;
    }

    [Fact]
    public void The_packages_are_the_library_engines_hosting_server_and_tool_and_live_under_src()
    {
        var packable = Projects().Where(IsPackable).Select(p => Path.GetRelativePath(Root, p).Replace('\\', '/')).ToList();

        Assert.All(packable, p => Assert.StartsWith("src/", p, StringComparison.Ordinal));
        foreach (var expected in new[]
        {
            "Shoal.Abstractions", "Shoal.Runtime", "Shoal.Cluster", "Shoal.Engines.InProcess", "Shoal.Engines.Nats",
            "Shoal.Hosting", "Shoal.Server", "Shoal.Cli",
        })
        {
            Assert.Contains($"src/{expected}/{expected}.csproj", packable);
        }

        // Test and demo infrastructure: the shoal tool carries it, no package of its own.
        Assert.DoesNotContain("src/Shoal.Simulation/Shoal.Simulation.csproj", packable);
        Assert.DoesNotContain("src/Shoal.Scenarios/Shoal.Scenarios.csproj", packable);
    }

    [Theory]
    [MemberData(nameof(PackableProjects))]
    public void A_package_has_a_description_and_a_readme_showing_its_first_use(string project)
    {
        var path = Path.Combine(Root, project);
        var description = Property(XDocument.Load(path), "Description");
        Assert.False(string.IsNullOrWhiteSpace(description), $"{project}: no <Description>");
        Assert.True(description!.Length >= 40, $"{project}: the description says too little: '{description}'");

        var readme = Path.Combine(Path.GetDirectoryName(path)!, "README.md");
        Assert.True(File.Exists(readme), $"{project}: no README.md beside it (packed as the package's readme)");
        var text = File.ReadAllText(readme);
        Assert.StartsWith("# " + PackageId(path), text, StringComparison.Ordinal);
        Assert.Contains("```", text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(PackableProjects))]
    public void A_library_package_declares_its_public_api(string project)
    {
        var path = Path.Combine(Root, project);
        if (string.Equals(Property(XDocument.Load(path), "PackAsTool"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return; // the shoal tool is an executable: no library API to track
        }

        // The public API analyzer (src/Directory.Build.targets) reads these two files; an undeclared public member is
        // RS0016, an error (docs/dependencies.md, "Public API").
        foreach (var file in new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" })
        {
            var api = Path.Combine(Path.GetDirectoryName(path)!, file);
            Assert.True(File.Exists(api), $"{project}: no {file} beside it");
            Assert.StartsWith("#nullable enable", File.ReadAllText(api), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_version_and_package_metadata_are_set_once()
    {
        var license = Path.Combine(Root, "LICENSE");
        Assert.True(File.Exists(license), "no LICENSE at the repository root");
        Assert.StartsWith("MIT License", File.ReadAllText(license), StringComparison.Ordinal);

        var root = XDocument.Load(Path.Combine(Root, "Directory.Build.props"));
        Assert.Matches(@"^\d+\.\d+\.\d+$", Property(root, "VersionPrefix"));
        Assert.False(string.IsNullOrEmpty(Property(root, "VersionSuffix")), "the packages are a prerelease until the API is stable");

        var src = XDocument.Load(Path.Combine(Root, "src", "Directory.Build.props"));
        Assert.Equal("MIT", Property(src, "PackageLicenseExpression"));
        Assert.Equal("README.md", Property(src, "PackageReadmeFile"));
        Assert.Equal("true", Property(src, "GenerateDocumentationFile"));
        Assert.Equal("true", Property(src, "IncludeSymbols"));
        Assert.Equal("snupkg", Property(src, "SymbolPackageFormat"));
        Assert.Equal("true", Property(src, "EnablePackageValidation"));
        foreach (var name in new[] { "Authors", "RepositoryUrl", "PackageTags" })
        {
            Assert.False(string.IsNullOrWhiteSpace(Property(src, name)), $"src/Directory.Build.props: no <{name}>");
        }

        foreach (var project in Projects())
        {
            var document = XDocument.Load(project);
            foreach (var name in new[] { "Version", "VersionPrefix", "VersionSuffix", "PackageVersion" })
            {
                Assert.True(Property(document, name) is null, $"{Path.GetRelativePath(Root, project)} sets its own <{name}>");
            }
        }
    }

    private static IEnumerable<string> Projects() =>
        new[] { "src", "tests", "samples", "bench" }
            .Select(folder => Path.Combine(Root, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.csproj", SearchOption.AllDirectories))
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    /// <summary>Packable unless the project says IsPackable=false or is a test project (the test SDK turns packing off).</summary>
    private static bool IsPackable(string project)
    {
        var document = XDocument.Load(project);
        return !string.Equals(Property(document, "IsPackable"), "false", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(Property(document, "IsTestProject"), "true", StringComparison.OrdinalIgnoreCase);
    }

    private static string PackageId(string project) =>
        Property(XDocument.Load(project), "PackageId") ?? Path.GetFileNameWithoutExtension(project);

    private static string? Property(XDocument document, string name) =>
        document.Descendants().FirstOrDefault(e => e.Name.LocalName == name && e.Parent?.Name.LocalName == "PropertyGroup")?.Value.Trim();
}
