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
    [InlineData("file://", "name a data directory")]
    [InlineData("file://./data?durability=sometimes", "durability must be 'flush'")]
    [InlineData("file://./data?flush-interval=5x", "flush-interval: '5x' is not a duration")]
    [InlineData("file://./data?flush-interval=0", "flush-interval: must be more than 0")]
    [InlineData("file://./data?compress=yes", "unknown setting 'compress'")]
    public async Task A_bad_uri_is_a_configuration_error_naming_the_option_and_the_uri(string uri, string reason)
    {
        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(async () => await EngineUris.OpenAsync(uri));
        Assert.Equal("--engine", error.Field);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_uri_opens_the_durable_engine_which_keeps_its_topics_after_the_verb_ends()
    {
        using var directory = new Shoal.Tests.Engines.TempDirectory();
        await using (var first = await EngineUris.OpenAsync($"file://{directory.Path}?durability=interval&flush-interval=5ms"))
        {
            Assert.Equal("file://" + directory.Path, first.Engine.Name);
            await first.Engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 2 });
        }

        await using var second = await EngineUris.OpenAsync("file://" + directory.Path);
        Assert.NotNull(await second.Engine.Log.DescribeTopicAsync("t"));
    }

    [Fact]
    public async Task Demo_runs_end_to_end_on_a_file_engine()
    {
        using var directory = new Shoal.Tests.Engines.TempDirectory();

        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await Shoal.Cli.ShoalCli.InvokeAsync(
            ["demo", "--engine", "file://" + directory.Path, "--events", "3000", "--nodes", "1", "--json"], new Shoal.Cli.Demo.DemoRunner(), output, error);
        var demo = new VerbResult(exitCode, output.ToString(), error.ToString());

        Assert.True(demo.ExitCode == 0, demo.ToString());
        Assert.Equal(3000, demo.Long("produced"));
        Assert.Equal(0, demo.Long("lost"));
        Assert.True(Directory.Exists(Path.Combine(directory.Path, "topics")));
    }
}
