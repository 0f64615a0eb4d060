using Microsoft.Extensions.Configuration;
using Shoal.Cluster;
using Shoal.Engines.Nats;
using Xunit;

namespace Shoal.Tests.Abstractions;

/// <summary>
/// Options bound from <see cref="IConfiguration"/>: the binder sets <c>init</c> properties of nested options in place,
/// so a nested default must be a fresh instance, or one group's settings leak into every other group and every later
/// <c>new GroupOptions()</c>.
/// </summary>
public sealed class OptionsBindingTests
{
    private static IConfiguration Configuration() => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Groups:billing:Name"] = "billing",
            ["Groups:billing:Topic"] = "orders",
            ["Groups:billing:Retry:MaxAttempts"] = "9",
            ["Groups:billing:Retry:InitialBackoff"] = "00:00:07",
            ["Groups:audit:Name"] = "audit",
            ["Groups:audit:Topic"] = "orders",
            ["Topics:orders:Name"] = "orders",
            ["Topics:orders:Retention:MaxEventsPerPartition"] = "10",
            ["Topics:orders:Retention:TrimCommitted"] = "false",
            ["Topics:payments:Name"] = "payments",
            ["Member:MemberId"] = "m1",
            ["Member:Cluster:SessionTtl"] = "00:00:02",
            ["Member:Health:DegradedErrorRate"] = "0.9",
            ["Nats:Connection:Name"] = "bound",
        })
        .Build();

    [Fact]
    public void Two_groups_bound_from_one_configuration_keep_their_own_retry_settings()
    {
        var configuration = Configuration();
        var billing = configuration.GetSection("Groups:billing").Get<GroupOptions>()!;
        var audit = configuration.GetSection("Groups:audit").Get<GroupOptions>()!;

        Assert.Equal(9, billing.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(7), billing.Retry.InitialBackoff);
        Assert.Equal(5, audit.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(200), audit.Retry.InitialBackoff);
        Assert.Equal(5, new GroupOptions { Name = "later", Topic = "orders" }.Retry.MaxAttempts);
        Assert.Equal(5, RetryOptions.Default.MaxAttempts);
    }

    [Fact]
    public void Two_topics_bound_from_one_configuration_keep_their_own_retention()
    {
        var configuration = Configuration();
        var orders = configuration.GetSection("Topics:orders").Get<TopicOptions>()!;
        var payments = configuration.GetSection("Topics:payments").Get<TopicOptions>()!;

        Assert.Equal(10, orders.Retention.MaxEventsPerPartition);
        Assert.False(orders.Retention.TrimCommitted);
        Assert.Equal(1_000_000, payments.Retention.MaxEventsPerPartition);
        Assert.True(payments.Retention.TrimCommitted);
        Assert.True(new TopicOptions { Name = "later" }.Retention.TrimCommitted);
        Assert.True(RetentionOptions.Default.TrimCommitted);
    }

    [Fact]
    public void Nested_cluster_and_engine_defaults_are_not_changed_by_binding()
    {
        var configuration = Configuration();
        var member = configuration.GetSection("Member").Get<ClusterMemberOptions>()!;
        var nats = configuration.GetSection("Nats").Get<NatsEngineOptions>()!;

        Assert.Equal(TimeSpan.FromSeconds(2), member.Cluster.SessionTtl);
        Assert.Equal(0.9, member.Health.DegradedErrorRate);
        Assert.Equal("bound", nats.Connection.Name);
        Assert.Equal(TimeSpan.FromSeconds(30), ClusterOptions.Default.SessionTtl);
        Assert.Equal(TimeSpan.FromSeconds(30), new ClusterMemberOptions { MemberId = "m2" }.Cluster.SessionTtl);
        Assert.Equal(HealthOptions.Default.DegradedErrorRate, new ClusterMemberOptions { MemberId = "m2" }.Health.DegradedErrorRate);
        Assert.NotEqual(0.9, HealthOptions.Default.DegradedErrorRate);
        Assert.NotEqual("bound", NatsEngineOptions.Default.Connection.Name);
        Assert.NotEqual("bound", new NatsEngineOptions().Connection.Name);
    }
}
