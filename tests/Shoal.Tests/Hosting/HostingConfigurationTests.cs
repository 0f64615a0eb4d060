using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shoal.Cluster;
using Shoal.Hosting;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Hosting;

/// <summary><c>AddShoal(configuration)</c>: settings from appsettings-shaped JSON and environment variables, errors by configuration path.</summary>
public sealed class HostingConfigurationTests
{
    private const string TwoGroups = """
        {
          "Shoal": {
            "Engine": "inproc://",
            "Topics": {
              "orders": { "Partitions": 4, "DeduplicationWindow": "30s", "Retention": { "MaxAge": "1h", "TrimCommitted": false } },
              "audit-log": {}
            },
            "Groups": {
              "billing": {
                "Topic": "orders",
                "MaxConcurrency": 8,
                "DrainTimeout": "5s",
                "PoisonKeyPolicy": "skip",
                "Retry": { "MaxAttempts": 3, "InitialBackoff": "50ms", "MaxBackoff": "2s" }
              },
              "audit": {
                "Topic": "orders",
                "MaxConcurrency": 2,
                "HandlerTimeout": "infinite",
                "StartPosition": "Latest",
                "Retry": { "MaxAttempts": 7 }
              }
            }
          }
        }
        """;

    [Fact]
    public async Task Two_groups_bound_from_one_configuration_keep_their_own_settings()
    {
        var host = Build(Json(TwoGroups), shoal => shoal
            .AddEventType<OrderPlaced>("order-placed")
            .AddHandler<OrderPlaced, RecordingHandler>("billing")
            .AddHandler<OrderPlaced, IgnoringHandler>("audit"));
        try
        {
            await host.StartAsync();
            var runtime = host.Services.GetRequiredService<ShoalRuntime>();
            var billing = runtime.Options.Groups.Single(g => g.Options.Name == "billing").Options;
            var audit = runtime.Options.Groups.Single(g => g.Options.Name == "audit").Options;

            Assert.Equal(8, billing.MaxConcurrency);
            Assert.Equal(TimeSpan.FromSeconds(5), billing.DrainTimeout);
            Assert.Equal(PoisonKeyPolicy.Skip, billing.PoisonKeyPolicy);
            Assert.Equal(new RetryOptions { MaxAttempts = 3, InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromSeconds(2) }, billing.Retry);
            Assert.Equal(new GroupOptions { Name = "x", Topic = "y" }.HandlerTimeout, billing.HandlerTimeout);
            Assert.Equal(StartPosition.Earliest, billing.StartPosition);

            Assert.Equal(2, audit.MaxConcurrency);
            Assert.Equal(Timeout.InfiniteTimeSpan, audit.HandlerTimeout);
            Assert.Equal(StartPosition.Latest, audit.StartPosition);
            Assert.Equal(new RetryOptions { MaxAttempts = 7 }, audit.Retry);
            Assert.Equal(new GroupOptions { Name = "x", Topic = "y" }.DrainTimeout, audit.DrainTimeout);
            Assert.Equal(PoisonKeyPolicy.Park, audit.PoisonKeyPolicy);

            var orders = runtime.Options.Topics.Single(t => t.Name == "orders");
            Assert.Equal(4, orders.Partitions);
            Assert.Equal(TimeSpan.FromSeconds(30), orders.DeduplicationWindow);
            Assert.Equal(new RetentionOptions { MaxAge = TimeSpan.FromHours(1), TrimCommitted = false }, orders.Retention);
            Assert.Equal(4, (await runtime.Engine.Log.DescribeTopicAsync("orders"))!.Partitions);
            Assert.Equal(new TopicOptions { Name = "audit-log" }, runtime.Options.Topics.Single(t => t.Name == "audit-log"));

            // The handler added in code runs in the group configured by name.
            await host.Services.GetRequiredService<IEventPublisher>().PublishAsync("orders", "k", new OrderPlaced("k", 1));
            var probe = host.Services.GetRequiredService<Probe>();
            await Wait.UntilAsync(() => probe.Handled.Count == 1, "the configured group's handler ran");
            await host.StopAsync();
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task An_environment_variable_overrides_one_group_setting_and_leaves_the_other_group_alone()
    {
        var prefix = $"SHOALTEST_{Guid.NewGuid():N}_";
        Environment.SetEnvironmentVariable(prefix + "Shoal__Groups__billing__MaxConcurrency", "3");
        Environment.SetEnvironmentVariable(prefix + "Shoal__Groups__billing__Retry__MaxAttempts", "9");
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(TwoGroups)))
                .AddEnvironmentVariables(prefix)
                .Build();
            var host = Build(configuration, WithHandlers("billing", "audit"));
            try
            {
                await host.StartAsync();
                var groups = host.Services.GetRequiredService<ShoalRuntime>().Options.Groups.ToDictionary(g => g.Options.Name, g => g.Options);
                Assert.Equal(3, groups["billing"].MaxConcurrency);
                Assert.Equal(9, groups["billing"].Retry.MaxAttempts);
                Assert.Equal(TimeSpan.FromMilliseconds(50), groups["billing"].Retry.InitialBackoff);
                Assert.Equal(2, groups["audit"].MaxConcurrency);
                Assert.Equal(7, groups["audit"].Retry.MaxAttempts);
                await host.StopAsync();
            }
            finally
            {
                await TestHosts.DisposeAsync(host);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "Shoal__Groups__billing__MaxConcurrency", null);
            Environment.SetEnvironmentVariable(prefix + "Shoal__Groups__billing__Retry__MaxAttempts", null);
        }
    }

    [Fact]
    public async Task A_cluster_section_makes_the_node_a_member_of_that_group_only()
    {
        var host = Build(Settings(
            ("Shoal:Topics:orders:Partitions", "4"),
            ("Shoal:Groups:billing:Topic", "orders"),
            ("Shoal:Groups:billing:Cluster:MemberId", "node-a"),
            ("Shoal:Groups:billing:Cluster:HeartbeatInterval", "100ms"),
            ("Shoal:Groups:billing:Cluster:SessionTtl", "2s"),
            ("Shoal:Groups:billing:Cluster:Assignor", "RoundRobin"),
            ("Shoal:Groups:audit:Topic", "orders")), WithHandlers("billing", "audit"));
        try
        {
            await host.StartAsync();
            var node = host.Services.GetRequiredService<ShoalNode>();
            var member = Assert.Single(node.Members);
            Assert.Equal(("billing", "node-a"), (member.Group, member.MemberId));
            var groups = node.Runtime.Options.Groups.ToDictionary(g => g.Options.Name, g => g.Options.PartitionOwnership);
            Assert.Equal(PartitionOwnership.Assigned, groups["billing"]);
            Assert.Equal(PartitionOwnership.All, groups["audit"]);
            await Wait.UntilAsync(() => member.OwnedPartitions.Count == 4, "the only member owns every partition");
            await host.StopAsync();
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    public static TheoryData<string, string, string, string> BadSettings => new()
    {
        // key, value, the field named, a part of the message
        { "Shoal:Groups:billing:MaxConcurrency", "0", "Shoal:Groups:billing:MaxConcurrency", "must be between 1 and 100000; was 0." },
        { "Shoal:Groups:billing:MaxConcurrency", "abc", "Shoal:Groups:billing:MaxConcurrency", "'abc' is not a whole number." },
        { "Shoal:Groups:billing:MaxConcurrency", "3000000000", "Shoal:Groups:billing:MaxConcurrency", "'3000000000' is too large; the most is 2147483647." },
        { "Shoal:Groups:billing:MaxConcurency", "4", "Shoal:Groups:billing:MaxConcurency", "is not a setting of a group; did you mean MaxConcurrency?" },
        { "Shoal:Groups:billing:HandlerTimeout", "0", "Shoal:Groups:billing:HandlerTimeout", "must be a positive duration or infinite; was 0." },
        { "Shoal:Groups:billing:HandlerTimeout", "30", "Shoal:Groups:billing:HandlerTimeout", "'30' is not a duration; write a number with a unit" },
        { "Shoal:Groups:billing:PoisonKeyPolicy", "Drop", "Shoal:Groups:billing:PoisonKeyPolicy", "'Drop' is not one of Park, Skip." },
        { "Shoal:Groups:billing:Retry:MaxBackoff", "100ms", "Shoal:Groups:billing:Retry:MaxBackoff", "must be at least InitialBackoff (200ms); was 100ms." },
        { "Shoal:Groups:billing:Retry:Jitter", "0,5", "Shoal:Groups:billing:Retry:Jitter", "'0,5' is not a number" },
        { "Shoal:Groups:billing:Retry:Retries", "3", "Shoal:Groups:billing:Retry:Retries", "is not a setting of a group's retry" },
        { "Shoal:Groups:billing:Retry", "3", "Shoal:Groups:billing:Retry", "must be a section of settings (MaxAttempts" },
        { "Shoal:Groups:billing:Cluster:SessionTtl", "1s", "Shoal:Groups:billing:Cluster:SessionTtl", "must be at least twice HeartbeatInterval (3s)" },
        { "Shoal:Groups:billing:Cluster:Health:DegradedLeaseLosses", "0", "Shoal:Groups:billing:Cluster:Health:DegradedLeaseLosses", "must be between 1 and 10000; was 0." },
        { "Shoal:Groups:billing:Cluster:Health:RecoveryTime", "soon", "Shoal:Groups:billing:Cluster:Health:RecoveryTime", "'soon' is not a duration" },
        { "Shoal:Groups:BILLING!:Topic", "orders", "Shoal:Groups:BILLING!", "" },
        { "Shoal:Groups:audit:MaxConcurrency", "4", "Shoal:Groups:audit:Topic", "is required: the name of the topic the group reads." },
        { "Shoal:Topics:orders:Partitions", "0", "Shoal:Topics:orders:Partitions", "must be between 1 and 100000; was 0." },
        { "Shoal:Topics:orders:Retention:MaxAge", "-1s", "Shoal:Topics:orders:Retention:MaxAge", "'-1s' is negative" },
        { "Shoal:Grups:billing:Topic", "orders", "Shoal:Grups", "did you mean Groups?" },
        { "Shoal:Engine", "bogus://x", "Shoal:Engine", "bogus://x" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_setting_fails_the_start_naming_its_configuration_path(string key, string value, string field, string message)
    {
        var host = Build(Settings(("Shoal:Topics:orders:Partitions", "4"), ("Shoal:Groups:billing:Topic", "orders"), (key, value)), WithHandlers("billing"));
        try
        {
            var ex = await Assert.ThrowsAsync<ShoalConfigurationException>(() => host.StartAsync());
            TestHosts.AssertNamesField(ex, field);
            Assert.Contains(message, ex.Message, StringComparison.Ordinal);
            Assert.StartsWith(field + ": ", ex.Message, StringComparison.Ordinal);
            foreach (var dotnet in new[] { "Options.", "TimeSpan", "Int32", "System.", "00:00" })
            {
                Assert.DoesNotContain(dotnet, ex.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task A_configured_group_without_a_handler_in_code_says_how_to_add_one()
    {
        var host = Build(Settings(("Shoal:Groups:billing:Topic", "orders"), ("Shoal:Groups:audit:Topic", "orders")), WithHandlers("billing"));
        try
        {
            var ex = await Assert.ThrowsAsync<ShoalConfigurationException>(() => host.StartAsync());
            TestHosts.AssertNamesField(ex, "Shoal:Groups:audit");
            Assert.Contains("no handler; add one in code: AddHandler<TEvent, THandler>(\"audit\")", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task An_engine_in_configuration_and_in_code_is_refused()
    {
        var host = Build(Settings(("Shoal:Engine", "inproc://")), shoal => shoal.UseInProcessEngine());
        try
        {
            var ex = await Assert.ThrowsAsync<ShoalConfigurationException>(() => host.StartAsync());
            TestHosts.AssertNamesField(ex, "Shoal:Engine");
            Assert.Contains("keep one of them", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    [Fact]
    public async Task A_handler_for_a_group_in_neither_code_nor_configuration_says_where_to_add_it()
    {
        var host = Build(Settings(("Shoal:Groups:billing:Topic", "orders")), shoal => shoal
            .AddEventType<OrderPlaced>()
            .AddHandler<OrderPlaced, RecordingHandler>("shipping"));
        try
        {
            var ex = await Assert.ThrowsAsync<ShoalConfigurationException>(() => host.StartAsync());
            Assert.Contains("or in configuration (Shoal:Groups:shipping:Topic)", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            await TestHosts.DisposeAsync(host);
        }
    }

    internal static IConfiguration Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    /// <summary>In-memory configuration; a later setting of the same key replaces an earlier one.</summary>
    internal static IConfiguration Settings(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    /// <summary>Registers <see cref="OrderPlaced"/> and gives each of <paramref name="groups"/> a handler that does nothing.</summary>
    internal static Action<ShoalBuilder> WithHandlers(params string[] groups) => shoal =>
    {
        shoal.AddEventType<OrderPlaced>();
        foreach (var group in groups)
        {
            shoal.AddHandler<OrderPlaced, IgnoringHandler>(group);
        }
    };

    internal static IHost Build(IConfiguration configuration, Action<ShoalBuilder> shoal, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<Probe>();
        builder.Services.AddScoped<ScopeMarker>();
        builder.Services.AddShoal(configuration.GetSection("Shoal"), shoal);
        services?.Invoke(builder.Services);
        return builder.Build();
    }
}

/// <summary>A handler that does nothing, for groups whose handling a test does not look at.</summary>
internal sealed class IgnoringHandler : IEventHandler<OrderPlaced>
{
    public ValueTask HandleAsync(OrderPlaced @event, EventContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
