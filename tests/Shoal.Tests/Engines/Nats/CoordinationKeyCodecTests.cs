using Shoal.Engines.Nats;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

public sealed class CoordinationKeyCodecTests
{
    [Theory]
    [InlineData("shoal/offsets/orders/billing/3", "shoal.offsets.orders.billing.3")]
    [InlineData("shoal/offsets/orders.v1/billing/3", "shoal.offsets.orders=2Ev1.billing.3")]
    [InlineData("a=b/c", "a=3Db.c")]
    [InlineData("a//b", "a.=.b")]
    [InlineData("/lead", "=.lead")]
    [InlineData("trail/", "trail.=")]
    [InlineData("a..b/.", "a=2E=2Eb.=2E")]
    [InlineData("x=2E", "x=3D2E")]
    public void Keys_map_to_one_token_per_segment_and_back(string key, string encoded)
    {
        Assert.Equal(encoded, CoordinationKeyCodec.Encode(key));
        Assert.Equal(key, CoordinationKeyCodec.Decode(encoded));
    }

    [Fact]
    public void Distinct_keys_never_share_an_encoding()
    {
        string[] keys = ["p/a.b/x", "p/a/b/x", "p/a=2Eb/x", "p/a/b.x", "p//x", "p/x", "p/x/", "p/=/x", "p/./x"];
        var encoded = keys.Select(CoordinationKeyCodec.Encode).ToArray();
        Assert.Equal(keys.Length, encoded.Distinct(StringComparer.Ordinal).Count());
        Assert.All(encoded, e => Assert.DoesNotContain("..", e, StringComparison.Ordinal));
        Assert.All(encoded, e => Assert.False(e.StartsWith('.') || e.EndsWith('.'), e));
    }

    [Theory]
    [InlineData("", ">", true)]
    [InlineData("shoal/offsets/a.b/", "shoal.offsets.a=2Eb.>", true)]
    [InlineData("shoal/mem", "shoal.>", false)]
    [InlineData("abc", ">", false)]
    public void A_prefix_becomes_a_server_side_token_filter(string prefix, string filter, bool exact)
    {
        Assert.Equal((filter, exact), CoordinationKeyCodec.Filter(prefix));
    }
}
