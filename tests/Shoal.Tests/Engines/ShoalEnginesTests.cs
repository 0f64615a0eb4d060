using Shoal.Engine;
using Shoal.Engines.InProcess;
using Xunit;

namespace Shoal.Tests.Engines;

/// <summary>Engines opened from a URI (<see cref="ShoalEngines"/>): the in-process package's schemes, errors, providers a user adds.</summary>
public sealed class ShoalEnginesTests
{
    [Fact]
    public async Task A_bare_inproc_uri_gives_a_new_engine_each_time()
    {
        await using var first = await ShoalEngines.OpenAsync("inproc://");
        await using var second = await ShoalEngines.OpenAsync("inproc://");
        Assert.NotSame(first, second);
        await first.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1 });
        Assert.Null(await second.Log.DescribeTopicAsync("t"));
    }

    [Fact]
    public async Task A_named_inproc_uri_is_shared_within_the_process_and_outlives_each_holder()
    {
        var name = "shared-" + Guid.NewGuid().ToString("N");
        await using (var first = await ShoalEngines.OpenAsync("inproc://" + name))
        {
            await first.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 2 });
        }

        await using var second = await ShoalEngines.OpenAsync("inproc://" + name);
        Assert.NotNull(await second.Log.DescribeTopicAsync("t"));
    }

    [Fact]
    public async Task Disposing_one_holder_of_a_named_inproc_engine_leaves_it_open_for_the_others()
    {
        var name = "held-" + Guid.NewGuid().ToString("N");
        var first = await ShoalEngines.OpenAsync("inproc://" + name);
        await using var second = await ShoalEngines.OpenAsync("inproc://" + name);
        await first.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1 });
        Assert.True(await second.Coordination.TryCreateAsync("k", "v"u8.ToArray()) is not null);

        await first.DisposeAsync();
        await first.DisposeAsync();

        var appended = new AppendedEvent[1];
        await second.Log.AppendAsync("t", 0, new[] { new EventEnvelope("e1", "t", "key", "type", "{}"u8.ToArray()) }, appended);
        Assert.Equal(1, (await second.Log.GetOffsetsAsync("t", 0)).End);
        Assert.NotNull(await second.Coordination.GetAsync("k"));
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
    public async Task A_bad_uri_is_a_configuration_error_naming_the_uri(string uri, string reason)
    {
        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(async () => await ShoalEngines.OpenAsync(uri));
        Assert.Equal(ShoalEngines.UriField, error.Field);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains(uri.Length == 0 ? "engine URI" : $"'{uri}'", error.Message, StringComparison.Ordinal);
        Assert.False(ShoalEngines.TryValidate(uri, out var problem));
        Assert.Equal(error.Message, $"{ShoalEngines.UriField}: {problem}");
    }

    [Fact]
    public void An_unknown_scheme_names_the_uri_the_schemes_there_are_and_how_to_add_one()
    {
        Assert.False(ShoalEngines.TryValidate("kafka://u:secret@localhost:9092", out var problem));

        // Other tests register providers of their own, listed after these.
        Assert.StartsWith(
            "'kafka://u:***@localhost:9092': scheme 'kafka://' is not supported; use inproc://[NAME] or file://DIR or " +
            "nats://[USER:PASS@]HOST:PORT[,HOST:PORT...][?OPTIONS]", problem, StringComparison.Ordinal);
        Assert.EndsWith(" (or register an IEngineProvider for it with ShoalEngines.Register).", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_known_scheme_whose_package_is_absent_says_which_package_to_add()
    {
        var catalog = new EngineProviderCatalog(
        [
            .. EngineProviderCatalog.ShoalProviders,
            new KnownEngineProvider("Shoal.Engines.Redis.RedisEngineProvider, Shoal.Engines.Redis", "Shoal.Engines.Redis", ["redis"]),
        ]);

        Assert.False(catalog.TryValidate("redis://h:6379?password=secret", out _, out var problem));
        Assert.Equal(
            "'redis://h:6379?password=***': redis:// engines are in the package Shoal.Engines.Redis, which this application does not reference; add the package Shoal.Engines.Redis.",
            problem);
        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(async () =>
            await catalog.OpenAsync("redis://h:6379", EngineServices.Default, CancellationToken.None));
        Assert.Equal(ShoalEngines.UriField, error.Field);
        Assert.Contains("add the package Shoal.Engines.Redis", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("redis://", catalog.Usages);
    }

    [Fact]
    public async Task A_provider_a_user_registers_opens_its_scheme_with_the_callers_services()
    {
        var scheme = "mem" + Guid.NewGuid().ToString("N")[..8];
        var provider = new MemoryProvider(scheme);
        ShoalEngines.Register(provider);

        Assert.Contains($"{scheme}://NAME", ShoalEngines.Usages);
        Assert.True(ShoalEngines.TryValidate($"{scheme}://a", out _));
        Assert.False(ShoalEngines.TryValidate($"{scheme}://", out var problem));
        Assert.Equal($"'{scheme}://': name the engine.", problem);

        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var services = new EngineServices { TimeProvider = clock };
        await using var engine = await ShoalEngines.OpenAsync($"{scheme.ToUpperInvariant()}://a", services);
        Assert.Same(services, provider.Services);
        await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1 });

        var twice = Assert.Throws<ShoalConfigurationException>(() => ShoalEngines.Register(new MemoryProvider(scheme)));
        Assert.Contains($"'{scheme}://'", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validating_a_file_uri_opens_nothing()
    {
        var directory = Path.Combine(Path.GetTempPath(), "shoal-never-" + Guid.NewGuid().ToString("N"));

        Assert.True(ShoalEngines.TryValidate($"file://{directory}?durability=flush", out var problem), problem);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task A_file_uri_opens_the_durable_engine_which_keeps_its_topics_after_it_is_disposed()
    {
        using var directory = new TempDirectory();
        await using (var first = await ShoalEngines.OpenAsync($"file://{directory.Path}?durability=interval&flush-interval=5ms"))
        {
            Assert.Equal("file://" + directory.Path, first.Name);
            await first.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 2 });
        }

        await using var second = await ShoalEngines.OpenAsync("file://" + directory.Path);
        Assert.NotNull(await second.Log.DescribeTopicAsync("t"));
    }

    [Fact]
    public void The_packages_providers_are_found_without_registration_in_the_order_of_their_schemes()
    {
        Assert.Equal(["inproc://[NAME]", "file://DIR"], ShoalEngines.Usages.Take(2));
        Assert.Equal(new InProcessEngineProvider().Usages, ShoalEngines.Usages.Take(2));
    }

    /// <summary>A provider of in-process engines under a scheme of the test's own.</summary>
    private sealed class MemoryProvider(string scheme) : IEngineProvider
    {
        public EngineServices? Services { get; private set; }

        public IReadOnlyList<string> Schemes { get; } = [scheme];

        public IReadOnlyList<string> Usages { get; } = [$"{scheme}://NAME"];

        public bool TryValidate(string uri, out string problem)
        {
            problem = uri.EndsWith("://", StringComparison.Ordinal) ? $"'{uri}': name the engine." : string.Empty;
            return problem.Length == 0;
        }

        public ValueTask<IShoalEngine> OpenAsync(string uri, EngineServices services, CancellationToken cancellationToken)
        {
            Services = services;
            return ValueTask.FromResult(InProcessEngine.Create(new InProcessEngineOptions { TimeProvider = services.TimeProvider }));
        }
    }
}
