using System.Net;
using Microsoft.Extensions.Configuration;
using Shoal.Engine;
using Shoal.Server;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Server;

public sealed class AuthAndAdminApiTests
{
    private const string Producer = "producer-key-0001";
    private const string Reader = "reader-key-00022";
    private const string Admin = "admin-key-000333";

    private static Task<ServerHost> StartWithKeysAsync(IShoalEngine? engine = null) => ServerHost.StartAsync(
        engine,
        options: o => o with { ApiKeys = [ApiKey.Parse($"{Producer}:produce"), ApiKey.Parse($"{Reader}:read")] },
        configuration: new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Shoal:ApiKeys:0"] = Admin }).Build());

    [Fact]
    public async Task Without_a_valid_key_every_api_call_is_401_and_without_the_scope_403()
    {
        await using var host = await StartWithKeysAsync();
        await host.Engine.Log.CreateTopicAsync(new TopicOptions { Name = "orders", Partitions = 2 });
        const string body = """{"key":"a","type":"t","data":1}""";

        using var noKey = await host.PostEventsAsync("orders", body);
        using var wrongKey = await host.PostEventsAsync("orders", body, "not-a-key-at-all");
        using var readerProduces = await host.PostEventsAsync("orders", body, Reader);
        using var producerReads = await host.SendAsync(HttpMethod.Get, "/v1/topics", key: Producer);
        using var producerCreates = await host.SendAsync(HttpMethod.Put, "/v1/topics/new", """{"partitions":2}""", Producer);
        using var anonymousStream = await host.SendAsync(HttpMethod.Get, "/v1/dashboard/stream");

        await ServerHost.AssertProblemAsync(noKey, 401, "Authorization");
        Assert.Equal("Bearer", noKey.Headers.WwwAuthenticate.Single().Scheme);
        await ServerHost.AssertProblemAsync(wrongKey, 401, "Authorization");
        var forbidden = await ServerHost.AssertProblemAsync(readerProduces, 403, "Authorization");
        Assert.Contains("produce", forbidden.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ServerHost.AssertProblemAsync(producerReads, 403, "Authorization");
        await ServerHost.AssertProblemAsync(producerCreates, 403, "Authorization");
        await ServerHost.AssertProblemAsync(anonymousStream, 401, "Authorization");
        Assert.Equal(0, await Runtimes.CountAsync(host.Engine, "orders"));
        Assert.Null(await host.Engine.Log.DescribeTopicAsync("new"));

        using var produced = await host.PostEventsAsync("orders", body, Producer);
        using var read = await host.SendAsync(HttpMethod.Get, "/v1/topics", key: Reader);
        using var created = await host.SendAsync(HttpMethod.Put, "/v1/topics/new", """{"partitions":2}""", Admin);
        Assert.Equal(HttpStatusCode.Accepted, produced.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task The_key_is_never_taken_from_the_url_and_probes_and_the_page_need_none()
    {
        await using var host = await StartWithKeysAsync();

        using var inQuery = await host.SendAsync(HttpMethod.Get, $"/v1/topics?api_key={Reader}&access_token={Reader}");
        using var live = await host.SendAsync(HttpMethod.Get, "/health/live");
        using var ready = await host.SendAsync(HttpMethod.Get, "/health/ready");
        using var page = await host.SendAsync(HttpMethod.Get, "/");

        await ServerHost.AssertProblemAsync(inQuery, 401, "Authorization");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("", "--api-key")]
    [InlineData("short", "--api-key")]
    [InlineData("long-enough-key-1:write", "--api-key")]
    [InlineData("long-enough-key-1:", "--api-key")]
    public void Bad_api_keys_are_configuration_errors_that_do_not_repeat_the_secret(string text, string field)
    {
        var error = Assert.Throws<ShoalConfigurationException>(() => ApiKey.Parse(text));
        Assert.Equal(field, error.Field);
        if (text.Length > 0)
        {
            Assert.DoesNotContain(text.Split(':')[0], error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Topics_are_created_listed_and_described_and_a_different_partition_count_is_409()
    {
        await using var host = await ServerHost.StartAsync();

        using var created = await host.SendAsync(HttpMethod.Put, "/v1/topics/orders", """{"partitions":3}""");
        using var again = await host.SendAsync(HttpMethod.Put, "/v1/topics/orders", """{"partitions":3}""");
        using var conflict = await host.SendAsync(HttpMethod.Put, "/v1/topics/orders", """{"partitions":5}""");
        using var missing = await host.SendAsync(HttpMethod.Put, "/v1/topics/other", "{}");
        using var zero = await host.SendAsync(HttpMethod.Put, "/v1/topics/other", """{"partitions":0}""");
        using var garbage = await host.SendAsync(HttpMethod.Put, "/v1/topics/other", """{"partitions":""");
        using var published = await host.PostEventsAsync("orders", """[{"key":"a","type":"t","data":1},{"key":"a","type":"t","data":2}]""");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await ServerHost.AssertProblemAsync(conflict, 409, "partitions");
        await ServerHost.AssertProblemAsync(missing, 400, "partitions");
        await ServerHost.AssertProblemAsync(zero, 400, "partitions");
        await ServerHost.AssertProblemAsync(garbage, 400, "body");

        using var list = await host.SendAsync(HttpMethod.Get, "/v1/topics");
        var topics = (await ServerHost.ReadJsonAsync(list)).GetProperty("topics");
        Assert.Equal("orders", Assert.Single(topics.EnumerateArray()).GetProperty("name").GetString());

        using var describe = await host.SendAsync(HttpMethod.Get, "/v1/topics/orders");
        var offsets = (await ServerHost.ReadJsonAsync(describe)).GetProperty("offsets");
        Assert.Equal(3, offsets.GetArrayLength());
        Assert.Equal(2, offsets.EnumerateArray().Sum(o => o.GetProperty("end").GetInt64()));

        using var unknown = await host.SendAsync(HttpMethod.Get, "/v1/topics/nope");
        await ServerHost.AssertProblemAsync(unknown, 404, "topic");
    }

    [Fact]
    public async Task A_group_shows_its_owners_epochs_committed_offsets_and_lag()
    {
        await using var host = await ServerHost.StartAsync();
        await host.Engine.Log.CreateTopicAsync(new TopicOptions { Name = "orders", Partitions = 2 });
        await host.Engine.Coordination.TryCreateAsync(CoordinationKeys.Offset("orders", "billing", 0), new CommittedOffset(1, 4).Encode());
        using var published = await host.PostEventsAsync("orders", "[" + string.Join(',', Enumerable.Range(0, 10).Select(i => $$"""{"key":"k{{i}}","type":"t","data":1}""")) + "]");

        using var group = await host.SendAsync(HttpMethod.Get, "/v1/groups/billing");
        using var unknown = await host.SendAsync(HttpMethod.Get, "/v1/groups/nobody");
        using var groups = await host.SendAsync(HttpMethod.Get, "/v1/groups");

        var json = await ServerHost.ReadJsonAsync(group);
        var topic = Assert.Single(json.GetProperty("topics").EnumerateArray());
        var p0 = topic.GetProperty("partitions")[0];
        var end0 = (await host.Engine.Log.GetOffsetsAsync("orders", 0)).End;
        var end1 = (await host.Engine.Log.GetOffsetsAsync("orders", 1)).End;
        Assert.Equal(1, p0.GetProperty("committed").GetInt64());
        Assert.Equal(4, p0.GetProperty("epoch").GetInt64());
        Assert.Equal(end0 - 1, p0.GetProperty("lag").GetInt64());
        Assert.Equal(end0 - 1 + end1, topic.GetProperty("lag").GetInt64());
        await ServerHost.AssertProblemAsync(unknown, 404, "group");
        Assert.Equal("billing", (await ServerHost.ReadJsonAsync(groups)).GetProperty("groups")[0].GetString());
    }
}
