using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>The demo on <c>--engine file://DIR</c> (the URI itself: Engines/ShoalEnginesTests).</summary>
public sealed class FileEngineDemoTests
{
    [Fact]
    public async Task Demo_runs_end_to_end_on_a_file_engine()
    {
        using var directory = new Shoal.Tests.Engines.TempDirectory();

        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await Shoal.Cli.ShoalCli.InvokeAsync(
            ["demo", "--engine", "file://" + directory.Path, "--events", "3000", "--nodes", "1", "--json"], new Shoal.Scenarios.Demo.DemoRunner(), output, error);
        var demo = new VerbResult(exitCode, output.ToString(), error.ToString());

        Assert.True(demo.ExitCode == 0, demo.ToString());
        Assert.Equal(3000, demo.Long("produced"));
        Assert.Equal(0, demo.Long("lost"));
        Assert.True(Directory.Exists(Path.Combine(directory.Path, "topics")));
    }
}
