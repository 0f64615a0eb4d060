using Shoal.Cli.Infrastructure;
using Xunit;

namespace Shoal.Tests.Cli;

public sealed class DurationOptionsTests
{
    [Fact]
    public void Option_parses_durations_and_reports_bad_ones_naming_the_option()
    {
        var option = DurationOptions.Create("--timeout", TimeSpan.FromSeconds(5), "How long to wait");
        var command = new System.CommandLine.RootCommand { option };

        Assert.Equal(TimeSpan.FromSeconds(5), command.Parse([]).GetValue(option));
        Assert.Equal(TimeSpan.FromMilliseconds(200), command.Parse(["--timeout", "200ms"]).GetValue(option));

        var bad = command.Parse(["--timeout", "32"]);
        var error = Assert.Single(bad.Errors);
        Assert.StartsWith("--timeout: '32' is not a duration", error.Message);
    }
}
