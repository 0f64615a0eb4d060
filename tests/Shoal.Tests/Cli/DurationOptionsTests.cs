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
        Assert.EndsWith("(or 0).", error.Message);
    }

    [Fact]
    public void A_positive_option_does_not_suggest_0_for_a_text_that_is_no_duration()
    {
        // Once, `--timeout soon` was told to write "… 1h (or 0)", and `--timeout 0` was then refused.
        var option = DurationOptions.Create("--timeout", TimeSpan.FromSeconds(5), "How long to wait").Positive();
        var command = new System.CommandLine.RootCommand { option };

        var error = Assert.Single(command.Parse(["--timeout", "soon"]).Errors).Message;
        Assert.Equal("--timeout: 'soon' is not a duration; write a number with a unit: 200ms, 1s, 1.5s, 2m, 1h.", error);
        Assert.Equal("--timeout: must be more than 0; was 0.", Assert.Single(command.Parse(["--timeout", "0"]).Errors).Message);
        Assert.Equal("--timeout: must be more than 0; '0ms' is 0.", Assert.Single(command.Parse(["--timeout", "0ms"]).Errors).Message);

        // Once, `--timeout -1s` was told durations "must be 0 or more", and 0 was then refused.
        Assert.Equal("--timeout: must be more than 0; '-1s' is negative.", Assert.Single(command.Parse(["--timeout", "-1s"]).Errors).Message);
        Assert.Equal(TimeSpan.FromSeconds(2), command.Parse(["--timeout", "2s"]).GetValue(option));
    }
}
