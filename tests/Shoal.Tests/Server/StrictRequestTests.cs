using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Shoal.Engine;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Server;

/// <summary>The server refuses what it does not understand: other media types, members given twice, unknown members, numbers as strings.</summary>
public sealed partial class StrictRequestTests
{
    private const string Topic = "orders";
    private const string Event = """{"key":"a","type":"t","data":1}""";
    private const string NewTopic = """{"partitions":2}""";

    /// <summary>Bodies a browser form (or a cross-origin fetch that needs no preflight) can send, and none at all.</summary>
    private static IEnumerable<(string What, Func<string, HttpContent> Content)> NotJson() =>
    [
        ("text/plain", body => new StringContent(body, Encoding.UTF8, "text/plain")),
        ("application/x-www-form-urlencoded", _ => new FormUrlEncodedContent([new("key", "a"), new("type", "t"), new("data", "1")])),
        ("multipart/form-data", body => new MultipartFormDataContent { { new StringContent(body), "event" } }),
        ("no Content-Type", body => new ByteArrayContent(Encoding.UTF8.GetBytes(body))),
        ("application/json; charset=utf-16", body => Typed(Encoding.Unicode.GetBytes(body), "application/json; charset=utf-16")),
        ("application/xml", body => Typed(Encoding.UTF8.GetBytes(body), "application/xml")),
    ];

    [Fact]
    public async Task A_body_that_is_not_json_is_415_naming_the_content_type_on_every_endpoint_that_takes_one()
    {
        await using var host = await ServerHost.StartAsync();
        await host.CreateTopicAsync(Topic, 4);

        foreach (var (what, content) in NotJson())
        {
            using var post = await SendAsync(host, HttpMethod.Post, $"/v1/topics/{Topic}/events", content(Event));
            using var put = await SendAsync(host, HttpMethod.Put, "/v1/topics/created", content(NewTopic));

            var problem = await ServerHost.AssertProblemAsync(post, 415, "Content-Type");
            Assert.Contains("application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            await ServerHost.AssertProblemAsync(put, 415, "Content-Type");
            Assert.True(await Runtimes.CountAsync(host.Engine, Topic) == 0, $"{what}: an event was stored");
            Assert.True(await host.Engine.Log.DescribeTopicAsync("created") is null, $"{what}: the topic was created");
        }
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON; charset=UTF-8")]
    [InlineData("application/cloudevents-batch+json")]
    [InlineData("application/vnd.shoal+json; charset=utf-8")]
    public async Task Json_and_json_suffixed_media_types_are_accepted(string mediaType)
    {
        await using var host = await ServerHost.StartAsync();

        using var put = await SendAsync(host, HttpMethod.Put, $"/v1/topics/{Topic}", Typed(Encoding.UTF8.GetBytes(NewTopic), mediaType));
        using var post = await SendAsync(host, HttpMethod.Post, $"/v1/topics/{Topic}/events", Typed(Encoding.UTF8.GetBytes(Event), mediaType));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        Assert.Equal(1, await Runtimes.CountAsync(host.Engine, Topic));
    }

    [Theory]
    [InlineData("""{"key":"a","key":"b","type":"t","data":1}""", "key")]
    [InlineData("""{"key":"a","type":"t","type":"t","data":1}""", "type")]
    [InlineData("""{"key":"a","type":"t","data":1,"data":2}""", "data")]
    [InlineData("""{"key":"a","type":"t","data":1,"id":"x","id":"y"}""", "id")]
    [InlineData("""{"key":"a","type":"t","data":1,"headers":{},"headers":{"h":"v"}}""", "headers")]
    [InlineData("""{"key":"a","type":"t","data":1,"headers":{"h":"1","h":"2"}}""", "headers.h")]
    [InlineData("""[{"key":"a","type":"t","data":1},{"key":"b","type":"t","data":{"x":1},"data":2}]""", "[1].data")]
    [InlineData("""[{"key":"a","type":"t","data":1},{"k\u0065y":"b","type":"t","key":"c","data":1}]""", "[1].key")]
    public async Task An_event_member_given_twice_is_400_naming_it_and_stores_nothing(string body, string field)
    {
        await using var host = await ServerHost.StartAsync();
        await host.CreateTopicAsync(Topic, 4);

        using var response = await host.PostEventsAsync(Topic, body);

        var problem = await ServerHost.AssertProblemAsync(response, 400, field);
        Assert.Contains("given twice", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await Runtimes.CountAsync(host.Engine, Topic));
    }

    [Fact]
    public async Task Topic_creation_refuses_members_given_twice_unknown_members_and_numbers_that_are_strings_or_out_of_range()
    {
        await using var host = await ServerHost.StartAsync();
        (string Body, string Field, string Says)[] cases =
        [
            ("""{"partitions":2,"partitions":3}""", "partitions", "given twice"),
            ("""{"partitions":2,"replicas":3}""", "replicas", "not a member"),
            ("""{"Partitions":2}""", "Partitions", "not a member"),
            ("""{"partitions":"4"}""", "partitions", "must be a whole number from 1 to 100000 (the topic's fixed partition count); was a string."),
            ("""{"partitions":2147483648}""", "partitions", "must be a whole number from 1 to 100000 (the topic's fixed partition count); was 2147483648."),
            ("""{"partitions":100001}""", "partitions", "from 1 to 100000"),
            ("""{"partitions":4.0}""", "partitions", "was 4.0"),
            ("""{"partitions":1e3}""", "partitions", "was 1e3"),
            ("""{"partitions":-1}""", "partitions", "was -1"),
            ("""{"partitions":null}""", "partitions", "was null"),
            ("""{"partitions":true}""", "partitions", "was a boolean"),
            ("""{"partitions":[4]}""", "partitions", "was an array"),
            ("""{}""", "partitions", "is required"),
            ("""[{"partitions":4}]""", "body", "must be an object"),
            ("""{"partitions":4} {}""", "body", "is not valid JSON"),
            ("", "body", "is empty"),
        ];

        foreach (var (body, field, says) in cases)
        {
            using var response = await host.SendAsync(HttpMethod.Put, "/v1/topics/created", body);
            var problem = await ServerHost.AssertProblemAsync(response, 400, field);
            var detail = problem.GetProperty("detail").GetString()!;
            Assert.True(detail.Contains(says, StringComparison.Ordinal), $"{body}: {detail}");
            Assert.Null(await host.Engine.Log.DescribeTopicAsync("created"));
        }
    }

    /// <summary>Every error the API can be led into speaks of the request, never of the .NET types that read it.</summary>
    [Fact]
    public async Task No_error_answer_names_a_dotnet_type()
    {
        await using var host = await ServerHost.StartAsync(options: o => o with { MaxRequestBytes = 4096, MaxBatchEvents = 2 });
        await host.CreateTopicAsync(Topic, 4);
        var requests = new List<(HttpMethod Method, string Path, Func<HttpContent?> Content)>();
        string[] topicBodies =
        [
            """{"partitions":2147483648}""", """{"partitions":9223372036854775808}""", """{"partitions":1e400}""", """{"partitions":"4"}""",
            """{"partitions":4.5}""", """{"partitions":{}}""", """{"partitions":""", """{"partitions":2,"x":1}""", "null", "\"4\"", "[", "{\"\\ud800\":1}",
        ];
        string[] eventBodies =
        [
            """{"key":1e400,"type":"t","data":1}""", """{"key":"a","type":2147483648,"data":1}""", """{"key":"a","type":"t","data":1,"id":9223372036854775808}""",
            """{"key":"a","type":"t","data":1,"headers":[]}""", """{"key":"a","type":"t","data":1,"headers":{"h":2147483648}}""", """{"key":"a","type":"t",""",
            """[1,2,3]""", """[{"key":"a","type":"t","data":1},{"key":"a","type":"t","data":1},{"key":"a","type":"t","data":1}]""", "true",
            "{\"key\":\"a\",\"type\":\"t\",\"data\":\"" + new string('x', 5000) + "\"}",
        ];
        foreach (var body in topicBodies)
        {
            requests.Add((HttpMethod.Put, "/v1/topics/created", () => ServerHost.Json(body)));
        }

        foreach (var body in eventBodies)
        {
            requests.Add((HttpMethod.Post, $"/v1/topics/{Topic}/events", () => ServerHost.Json(body)));
            requests.Add((HttpMethod.Post, "/v1/topics/missing/events", () => ServerHost.Json(body)));
        }

        foreach (var (_, content) in NotJson())
        {
            requests.Add((HttpMethod.Post, $"/v1/topics/{Topic}/events", () => content(Event)));
            requests.Add((HttpMethod.Put, "/v1/topics/created", () => content(NewTopic)));
        }

        requests.Add((HttpMethod.Post, "/v1/topics/bad topic!/events", () => ServerHost.Json(Event)));
        requests.Add((HttpMethod.Put, "/v1/topics/bad topic!", () => ServerHost.Json(NewTopic)));
        requests.Add((HttpMethod.Get, "/v1/topics/nope", () => null));
        requests.Add((HttpMethod.Get, "/v1/groups/nope", () => null));
        requests.Add((HttpMethod.Delete, $"/v1/topics/{Topic}", () => null));

        var errors = 0;
        foreach (var (method, path, content) in requests)
        {
            using var response = await SendAsync(host, method, path, content());
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode >= 400, $"{method} {path}: {(int)response.StatusCode} {text}");
            errors++;
            Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Int32", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Int64", text, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
            Assert.False(DotnetTypeName().IsMatch(text), $"{method} {path} names a .NET type: {text}");
        }

        Assert.Equal(requests.Count, errors);
    }

    /// <summary>A namespace-qualified .NET name (<c>Shoal.Server.CreateTopicRequest</c>, <c>Microsoft.AspNetCore.Http…</c>).</summary>
    [GeneratedRegex(@"\b(?:System|Shoal|Microsoft)\.[A-Z]", RegexOptions.CultureInvariant)]
    private static partial Regex DotnetTypeName();

    private static ByteArrayContent Typed(byte[] body, string mediaType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
        return content;
    }

    private static async Task<HttpResponseMessage> SendAsync(ServerHost host, HttpMethod method, string path, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        return await host.Client.SendAsync(request);
    }
}
