using Xunit;

namespace Shoal.Tests.Abstractions;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("200ms", 200)]
    [InlineData("500ms", 500)]
    [InlineData("1s", 1_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("0", 0)]
    [InlineData("0ms", 0)]
    public void Parse_accepts_a_number_with_a_unit(string text, double milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Durations.Parse(text));
    }

    [Theory]
    [InlineData("32")]
    [InlineData("5x")]
    [InlineData("-1s")]
    [InlineData("")]
    [InlineData("1 s")]
    [InlineData("s")]
    [InlineData("1,5s")]
    public void Parse_rejects_anything_else_naming_the_option(string text)
    {
        var ex = Assert.Throws<ShoalConfigurationException>(() => Durations.Parse(text, "--timeout"));
        Assert.Equal("--timeout", ex.Field);
        Assert.Contains("--timeout", ex.Message);
        Assert.Contains("200ms", ex.Message);
    }

    [Theory]
    [InlineData("1193h", true)]
    [InlineData("4294967294ms", true)]
    [InlineData("4294967295ms", false)]
    [InlineData("1194h", false)]
    [InlineData("99999999h", false)]
    public void Parse_accepts_at_most_what_a_timer_can_wait(string text, bool accepted)
    {
        Assert.Equal(accepted, Durations.TryParse(text, out var value, out var error));
        Assert.True(accepted ? value <= Durations.Max : error.Contains("at most 1193h", StringComparison.Ordinal), error);
    }

    [Fact]
    public void Parse_says_when_a_duration_is_negative()
    {
        var ex = Assert.Throws<ShoalConfigurationException>(() => Durations.Parse("-200ms", "--timeout"));
        Assert.Contains("negative", ex.Message);
    }

    [Theory]
    [InlineData("1ms", true, "")]
    [InlineData("0.5s", true, "")]
    [InlineData("0", false, "must be more than 0; was 0.")]
    [InlineData("0s", false, "must be more than 0; '0s' is 0.")]
    [InlineData("-1s", false, "must be more than 0; '-1s' is negative.")]
    [InlineData("soon", false, "'soon' is not a duration; write a number with a unit: 200ms, 1s, 1.5s, 2m, 1h.")]
    public void TryParsePositive_refuses_0_and_never_suggests_it(string text, bool accepted, string expectedError)
    {
        Assert.Equal(accepted, Durations.TryParsePositive(text, out var value, out var error));
        Assert.Equal(expectedError, error);
        Assert.Equal(accepted, value > TimeSpan.Zero);
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(250, "250ms")]
    [InlineData(1_500, "1.5s")]
    [InlineData(120_000, "2m")]
    [InlineData(3_600_000, "1h")]
    public void Format_round_trips_through_Parse(double milliseconds, string expected)
    {
        var value = TimeSpan.FromMilliseconds(milliseconds);
        Assert.Equal(expected, Durations.Format(value));
        Assert.Equal(value, Durations.Parse(Durations.Format(value)));
    }
}
