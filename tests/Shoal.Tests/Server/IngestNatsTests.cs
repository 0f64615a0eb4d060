using System.Net;
using Shoal.Partitioning;
using Shoal.Tests.Engines.Nats;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Server;

/// <summary>HTTP ingest on a real <c>nats-server -js</c>: a refused request stores nothing on any partition.</summary>
[Collection(NatsServerCollection.Name)]
[Trait("Category", "Integration")]
public sealed class IngestNatsTests(NatsServerFixture nats)
{
    private const int Partitions = 4;

    /// <summary>An event NATS would refuse or change (its JSON members after key and type), and the field the 400 names.</summary>
    public static TheoryData<string, string> EventsNatsRefuses => new()
    {
        { """ "data":1,"headers":{"a b":"v"} """, "[4].headers.a b" },
        { """ "data":1,"headers":{"a:b":"v"} """, "[4].headers.a:b" },
        { """ "data":1,"headers":{"é":"v"} """, "[4].headers.é" },
        { """ "data":1,"headers":{"h":"a\r\nb"} """, "[4].headers.h" },
        { """ "data":1,"headers":{"Nats-Foo":"v"} """, "[4].headers.Nats-Foo" },
        { $$""" "data":1,"headers":{"big":"{{new string('x', 70_000)}}"} """, "[4].headers" },
        { """ "data":1,"id":"id\n1" """, "[4].id" },
    };

    [Theory]
    [MemberData(nameof(EventsNatsRefuses))]
    public async Task A_request_with_one_event_nats_refuses_is_400_and_stores_nothing_on_any_partition(string invalid, string field)
    {
        await using var engine = await nats.ConnectAsync();
        await using var host = await ServerHost.StartAsync(engine);
        var topic = $"ingest-{Guid.NewGuid():N}";
        await host.CreateTopicAsync(topic, Partitions);
        var keys = Enumerable.Range(0, 100).Select(i => $"k-{i}").DistinctBy(k => KeyHasher.PartitionFor(k, Partitions)).ToArray();
        Assert.Equal(Partitions, keys.Length);
        var valid = keys.Select((k, i) => $$"""{"id":"{{topic}}-{{i}}","key":"{{k}}","type":"t","data":{{i}}}""").ToList();

        using var refused = await host.PostEventsAsync(topic, "[" + string.Join(',', valid) + $$""",{"key":"{{keys[0]}}","type":"t",{{invalid}}}]""");

        await ServerHost.AssertProblemAsync(refused, 400, field);
        Assert.Equal(0, await Runtimes.CountAsync(engine, topic));

        using var retried = await host.PostEventsAsync(topic, "[" + string.Join(',', valid) + "]");
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal(Partitions, await Runtimes.CountAsync(engine, topic));
    }

    [Fact]
    public async Task A_key_and_a_type_with_line_breaks_are_400_on_nats()
    {
        await using var engine = await nats.ConnectAsync();
        await using var host = await ServerHost.StartAsync(engine);
        var topic = $"ingest-{Guid.NewGuid():N}";
        await host.CreateTopicAsync(topic, Partitions);

        using var key = await host.PostEventsAsync(topic, """[{"key":"a","type":"t","data":1},{"key":"b\r\nNats-Msg-Id: x","type":"t","data":2}]""");
        using var type = await host.PostEventsAsync(topic, """[{"key":"a","type":"t","data":1},{"key":"b","type":"t\n","data":2}]""");

        await ServerHost.AssertProblemAsync(key, 400, "[1].key");
        await ServerHost.AssertProblemAsync(type, 400, "[1].type");
        Assert.Equal(0, await Runtimes.CountAsync(engine, topic));
    }
}
