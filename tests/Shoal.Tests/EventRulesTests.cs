using Xunit;

namespace Shoal.Tests;

/// <summary>The parts of <see cref="EventRules"/> the engine conformance suite does not reach.</summary>
public sealed class EventRulesTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(20)]
    public void Names_equal_ignoring_case_are_found_among_few_and_many_headers(int count)
    {
        var headers = Enumerable.Range(0, count).ToDictionary(i => $"x-{i}", i => "v");
        var e = new EventEnvelope("id", "t", "k", "type", Array.Empty<byte>()) { Headers = headers };
        Assert.Null(EventRules.Check(e));

        headers[$"X-{count - 1}"] = "w";

        var broken = EventRules.Check(e with { Headers = headers });
        Assert.Equal(EventPart.HeaderName, broken?.Part);
        Assert.Equal($"X-{count - 1}", broken?.Header);
        Assert.Equal($"Headers[\"X-{count - 1}\"]", broken?.Path);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData(" first line\r\nsecond line\n", "first line  second line")]
    [InlineData("\tx y\t", "x y")]
    public void ToHeaderValue_gives_the_nearest_value_that_meets_the_rules(string text, string expected)
    {
        var value = EventRules.ToHeaderValue(text);

        Assert.Equal(expected, value);
        Assert.Null(EventRules.CheckValue(value));
    }

    [Fact]
    public void ToHeaderValue_replaces_an_unpaired_surrogate_and_keeps_a_pair()
    {
        // Built here, not in InlineData: xUnit's theory data would change the lone surrogate before the test saw it.
        var text = "x" + '\ud800' + "y\ud83d\ude00";

        Assert.NotNull(EventRules.CheckValue(text));
        Assert.Equal("x\uFFFDy\ud83d\ude00", EventRules.ToHeaderValue(text));
    }
}
