using Shoal.Cli.Engines;
using Xunit;

namespace Shoal.Tests.Cli;

public sealed class EngineUrisTests
{
    [Fact]
    public async Task A_bare_inproc_uri_gives_a_new_engine_each_time()
    {
        await using var first = await EngineUris.OpenAsync("inproc://");
        await using var second = await EngineUris.OpenAsync("inproc://");
        Assert.NotSame(first.Engine, second.Engine);
    }

    [Fact]
    public async Task A_named_inproc_uri_is_shared_within_the_process_and_outlives_each_verb()
    {
        var name = "shared-" + Guid.NewGuid().ToString("N");
        await using (var first = await EngineUris.OpenAsync("inproc://" + name))
        {
            await first.Engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 2 });
        }

        await using var second = await EngineUris.OpenAsync("inproc://" + name);
        Assert.NotNull(await second.Engine.Log.DescribeTopicAsync("t"));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("localhost:4222", "not an engine URI")]
    [InlineData("kafka://localhost:9092", "scheme 'kafka://' is not supported")]
    [InlineData("inproc://bad name", "may only contain")]
    public async Task A_bad_uri_is_a_configuration_error_naming_the_option_and_the_uri(string uri, string reason)
    {
        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(async () => await EngineUris.OpenAsync(uri));
        Assert.Equal("--engine", error.Field);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
