using System.Net;
using System.Text;
using Shoal.Engine;
using Shoal.Partitioning;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Server;

public sealed class IngestApiTests
{
    private const string Topic = "orders";

    [Fact]
    public async Task One_event_and_a_batch_are_stored_at_their_keys_partitions_with_the_data_as_sent()
    {
        await using var host = await ServerHost.StartAsync();
        await host.CreateTopicAsync(Topic, 4);

        using var single = await host.PostEventsAsync(Topic, """{"key":"k-1","type":"order-placed","data":{"total": 12.50,"items":[1,2]},"headers":{"source":"web"}}""");
        Assert.Equal(HttpStatusCode.Accepted, single.StatusCode);
        var one = (await ServerHost.ReadJsonAsync(single)).GetProperty("events");
        Assert.Equal(1, one.GetArrayLength());
        Assert.Equal(KeyHasher.PartitionFor("k-1", 4), one[0].GetProperty("partition").GetInt32());
        Assert.Equal(0, one[0].GetProperty("offset").GetInt64());

        var batch = string.Join(',', Enumerable.Range(0, 20).Select(i => $$"""{"key":"k-{{i}}","type":"order-placed","data":{{i}}}"""));
        using var many = await host.PostEventsAsync(Topic, $"[{batch}]");
        Assert.Equal(HttpStatusCode.Accepted, many.StatusCode);
        var results = (await ServerHost.ReadJsonAsync(many)).GetProperty("events");
        Assert.Equal(20, results.GetArrayLength());
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(KeyHasher.PartitionFor($"k-{i}", 4), results[i].GetProperty("partition").GetInt32());
        }

        var stored = await Runtimes.ReadAllAsync(host.Engine, Topic);
        Assert.Equal(21, stored.Count);
        var first = stored.Single(e => e.Key == "k-1" && e.Offset == 0);
        Assert.Equal("order-placed", first.Type);
        Assert.Equal("""{"total": 12.50,"items":[1,2]}""", Encoding.UTF8.GetString(first.Payload.Span));
        Assert.Equal("web", first.Headers!["source"]);
        Assert.Equal(ContentTypes.Json, first.ContentType);
        foreach (var item in results.EnumerateArray())
        {
            var e = stored.Single(s => s.Partition == item.GetProperty("partition").GetInt32() && s.Offset == item.GetProperty("offset").GetInt64());
            Assert.Equal(item.GetProperty("id").GetString(), e.Id);
        }
    }

    [Fact]
    public async Task A_repeated_id_is_stored_once_and_answered_with_the_original_offset()
    {
        await using var host = await ServerHost.StartAsync();
        await host.CreateTopicAsync(Topic, 3);
        const string body = """[{"id":"order-7","key":"k","type":"t","data":1},{"id":"order-8","key":"k","type":"t","data":2}]""";

        using var first = await host.PostEventsAsync(Topic, body);
        using var again = await host.PostEventsAsync(Topic, body);

        var original = (await ServerHost.ReadJsonAsync(first)).GetProperty("events");
        var repeat = (await ServerHost.ReadJsonAsync(again)).GetProperty("events");
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        for (var i = 0; i < 2; i++)
        {
            Assert.False(original[i].GetProperty("duplicate").GetBoolean());
            Assert.True(repeat[i].GetProperty("duplicate").GetBoolean());
            Assert.Equal(original[i].GetProperty("offset").GetInt64(), repeat[i].GetProperty("offset").GetInt64());
        }

        Assert.Equal(2, await Runtimes.CountAsync(host.Engine, Topic));
    }

    [Fact]
    public async Task An_id_is_de_duplicated_in_its_partition_the_same_id_under_a_key_of_another_partition_is_another_event()
    {
        await using var host = await ServerHost.StartAsync();
        await host.CreateTopicAsync(Topic, 12);
        int a = KeyHasher.PartitionFor("a", 12), q9 = KeyHasher.PartitionFor("q9", 12);
        Assert.NotEqual(a, q9);

        using var first = await host.PostEventsAsync(Topic, """{"id":"X","key":"a","type":"t","data":1}""");
        using var second = await host.PostEventsAsync(Topic, """{"id":"X","key":"q9","type":"t","data":2}""");
        using var both = await host.PostEventsAsync(Topic, """[{"id":"Z","key":"a","type":"t","data":3},{"id":"Z","key":"q9","type":"t","data":4}]""");

        AssertAnswer((await ServerHost.ReadJsonAsync(first)).GetProperty("events")[0], "X", a, 0, duplicate: false);
        AssertAnswer((await ServerHost.ReadJsonAsync(second)).GetProperty("events")[0], "X", q9, 0, duplicate: false);
        var pair = (await ServerHost.ReadJsonAsync(both)).GetProperty("events");
        AssertAnswer(pair[0], "Z", a, 1, duplicate: false);
        AssertAnswer(pair[1], "Z", q9, 1, duplicate: false);
        var stored = await Runtimes.ReadAllAsync(host.Engine, Topic);
        Assert.Equal(["1", "3"], stored.Where(e => e.Partition == a).OrderBy(e => e.Offset).Select(e => Encoding.UTF8.GetString(e.Payload.Span)));
        Assert.Equal(["2", "4"], stored.Where(e => e.Partition == q9).OrderBy(e => e.Offset).Select(e => Encoding.UTF8.GetString(e.Payload.Span)));
    }

    [Fact]
    public async Task A_request_holding_an_id_twice_under_one_key_stores_the_first_and_answers_the_second_with_its_place()
    {
        await using var host = await ServerHost.StartAsync();
        await host.CreateTopicAsync(Topic, 12);
        var a = KeyHasher.PartitionFor("a", 12);
        using var before = await host.PostEventsAsync(Topic, """{"id":"Y","key":"a","type":"t","data":0}""");

        using var response = await host.PostEventsAsync(Topic, """[{"id":"X","key":"a","type":"t","data":1},{"id":"X","key":"a","type":"t","data":2}]""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var events = (await ServerHost.ReadJsonAsync(response)).GetProperty("events");
        AssertAnswer(events[0], "X", a, 1, duplicate: false);
        AssertAnswer(events[1], "X", a, 1, duplicate: true);
        var stored = await Runtimes.ReadAllAsync(host.Engine, Topic);
        Assert.Equal(["0", "1"], stored.OrderBy(e => e.Offset).Select(e => Encoding.UTF8.GetString(e.Payload.Span)));
    }

    private static void AssertAnswer(System.Text.Json.JsonElement answer, string id, int partition, long offset, bool duplicate)
    {
        Assert.Equal(id, answer.GetProperty("id").GetString());
        Assert.Equal(partition, answer.GetProperty("partition").GetInt32());
        Assert.Equal(offset, answer.GetProperty("offset").GetInt64());
        Assert.Equal(duplicate, answer.GetProperty("duplicate").GetBoolean());
    }

    [Theory]
    [InlineData("""{"key":"a","type":"t","data":1""", "body")]
    [InlineData("", "body")]
    [InlineData("[]", "body")]
    [InlineData("42", "body")]
    [InlineData("""{"key":"a","type":"t","data":1} {}""", "body")]
    [InlineData("""{"type":"t","data":1}""", "key")]
    [InlineData("""{"key":"","type":"t","data":1}""", "key")]
    [InlineData("""{"key":7,"type":"t","data":1}""", "key")]
    [InlineData("""{"key":"a","data":1}""", "type")]
    [InlineData("""{"key":"a","type":"t"}""", "data")]
    [InlineData("""{"key":"a","type":"t","data":1,"id":""}""", "id")]
    [InlineData("""{"key":"a","type":"t","data":1,"headers":{"h":1}}""", "headers.h")]
    [InlineData("""{"key":"a","type":"t","data":1,"colour":"red"}""", "colour")]
    [InlineData("""[{"key":"a","type":"t","data":1},{"key":"b","type":"t"}]""", "[1].data")]
    [InlineData("""[{"key":"a","type":"t","data":1},"x"]""", "[1]")]
    [InlineData("""[{"key":"a","type":"t","data":1},{"key":"b","type":"t","data":1,"headers":{"Nats-Foo":"v"}}]""", "[1].headers.Nats-Foo")]
    [InlineData("""{"key":"a","type":"t","data":1,"headers":{"a b":"v"}}""", "headers.a b")]
    [InlineData("""{"key":"a","type":"t","data":1,"headers":{"h":" v"}}""", "headers.h")]
    [InlineData("""{"key":"a","type":"t","data":1,"headers":{"x-a":"1","X-A":"2"}}""", "headers.X-A")]
    [InlineData("""{"key":"a\r\nb","type":"t","data":1}""", "key")]
    [InlineData("""{"key":"a","type":"t\n","data":1}""", "type")]
    [InlineData("""{"key":"a","type":"t","data":1,"id":"x\ry"}""", "id")]
    [InlineData("""{"key":"\ud800","type":"t","data":1}""", "key")]
    [InlineData("""[{"key":"a","type":"t","data":1},{"key":"a","type":"\udc00x","data":1}]""", "[1].type")]
    [InlineData("""{"key":"a","type":"t","data":1,"id":"x\ud800"}""", "id")]
    [InlineData("""{"key":"a","type":"t","data":1,"headers":{"h":"\udbff"}}""", "headers.h")]
    [InlineData("""{"key":"a","type":"t","data":1,"headers":{"\ud800":"v"}}""", @"headers.\ud800")]
    [InlineData("""{"key":"a","type":"t","\ud800":1}""", @"\ud800")]
    public async Task Bad_input_is_400_naming_the_field_and_stores_nothing(string body, string field)
    {
        await using var host = await ServerHost.StartAsync();
        await host.CreateTopicAsync(Topic, 4);

        using var response = await host.PostEventsAsync(Topic, body);

        await ServerHost.AssertProblemAsync(response, 400, field);
        Assert.Equal(0, await Runtimes.CountAsync(host.Engine, Topic));
    }

    /// <summary>Inside <c>data</c> a lone surrogate escape is JSON, and <c>data</c> is stored as sent (docs/server.md).</summary>
    [Fact]
    public async Task A_lone_surrogate_escape_inside_data_is_stored_as_sent()
    {
        await using var host = await ServerHost.StartAsync();
        await host.CreateTopicAsync(Topic, 1);

        using var response = await host.PostEventsAsync(Topic, """{"key":"a","type":"t","data":{"s":"\ud800"}}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = Assert.Single(await Runtimes.ReadAllAsync(host.Engine, Topic));
        Assert.Equal("""{"s":"\ud800"}""", Encoding.UTF8.GetString(stored.Payload.Span));
    }

    /// <summary>An event the publisher or engine refuses is named as the body names it, like the parser's own errors.</summary>
    [Fact]
    public async Task A_refusal_by_the_engine_names_the_field_as_the_request_wrote_it()
    {
        await using var engine = new RefusingEngine(Runtimes.Engine());
        await using var host = await ServerHost.StartAsync(engine);
        await host.CreateTopicAsync(Topic, 4);
        var events = Enumerable.Range(0, 6).Select(i => $$"""{"id":"e-{{i}}","key":"k-{{i}}","type":"t","data":{{i}}}""").ToList();
        var refusedHeader = new List<string>(events) { [4] = """{"id":"e-4","key":"k-4","type":"t","data":4,"headers":{"x-refused":"1"}}""" };
        var refusedKey = new List<string>(events) { [2] = """{"id":"e-2","key":"refused-key","type":"t","data":2}""" };

        using var header = await host.PostEventsAsync(Topic, "[" + string.Join(',', refusedHeader) + "]");
        using var key = await host.PostEventsAsync(Topic, "[" + string.Join(',', refusedKey) + "]");
        using var lone = await host.PostEventsAsync(Topic, """{"key":"a","type":"t","data":1,"headers":{"x-refused":"1"}}""");

        var problem = await ServerHost.AssertProblemAsync(header, 400, "[4].headers.x-refused");
        Assert.StartsWith("'[4].headers.x-refused' this engine refuses it", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ServerHost.AssertProblemAsync(key, 400, "[2].key");
        await ServerHost.AssertProblemAsync(lone, 400, "headers.x-refused");
    }

    [Fact]
    public async Task A_batch_with_one_bad_event_stores_none_of_its_events_on_any_partition()
    {
        await using var host = await ServerHost.StartAsync();
        await host.CreateTopicAsync(Topic, 8);
        var good = Enumerable.Range(0, 50).Select(i => $$"""{"key":"k-{{i}}","type":"t","data":{{i}}}""").ToList();
        Assert.True(good.Select((_, i) => KeyHasher.PartitionFor($"k-{i}", 8)).Distinct().Count() > 4, "the batch spans partitions");
        good.Insert(37, """{"key":"k-x","type":"t","data":1,"id":42}""");

        using var response = await host.PostEventsAsync(Topic, "[" + string.Join(',', good) + "]");

        await ServerHost.AssertProblemAsync(response, 400, "[37].id");
        Assert.Equal(0, await Runtimes.CountAsync(host.Engine, Topic));
    }

    [Fact]
    public async Task An_unknown_topic_is_404()
    {
        await using var host = await ServerHost.StartAsync();

        using var response = await host.PostEventsAsync("missing", """{"key":"a","type":"t","data":1}""");
        using var badName = await host.PostEventsAsync("no%20spaces", """{"key":"a","type":"t","data":1}""");

        await ServerHost.AssertProblemAsync(response, 404, "topic");
        await ServerHost.AssertProblemAsync(badName, 400, "topic");
    }

    [Fact]
    public async Task Bodies_batches_and_events_over_their_limits_are_413_and_store_nothing()
    {
        await using var host = await ServerHost.StartAsync(options: o => o with { MaxRequestBytes = 4_096, MaxEventBytes = 1_000, MaxBatchEvents = 10 });
        await host.CreateTopicAsync(Topic, 2);
        var big = new string('x', 5_000);

        using var declared = await host.PostEventsAsync(Topic, $$"""{"key":"a","type":"t","data":"{{big}}"}""");
        using var chunked = await PostChunkedAsync(host, Encoding.UTF8.GetBytes($$"""{"key":"a","type":"t","data":"{{big}}"}"""));
        using var tooMany = await host.PostEventsAsync(Topic, "[" + string.Join(',', Enumerable.Repeat("""{"key":"a","type":"t","data":1}""", 11)) + "]");
        using var oneTooLarge = await host.PostEventsAsync(Topic, $$"""[{"key":"a","type":"t","data":1},{"key":"b","type":"t","data":"{{new string('y', 1_200)}}"}]""");

        await ServerHost.AssertProblemAsync(declared, 413, "body");
        await ServerHost.AssertProblemAsync(chunked, 413, "body");
        await ServerHost.AssertProblemAsync(tooMany, 413, "body");
        await ServerHost.AssertProblemAsync(oneTooLarge, 413, "[1].data");
        Assert.Equal(0, await Runtimes.CountAsync(host.Engine, Topic));
    }

    [Fact]
    public async Task Over_the_rate_limit_is_429_with_retry_after()
    {
        await using var host = await ServerHost.StartAsync(options: o => o with { RateLimitPerSecond = 3 });
        await host.CreateTopicAsync(Topic, 1);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await host.PostEventsAsync(Topic, """{"key":"a","type":"t","data":1}""");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            await ServerHost.AssertProblemAsync(limited, 429, null);
            Assert.NotNull(limited.Headers.RetryAfter);
        }

        Assert.True(statuses.Count(s => s == HttpStatusCode.Accepted) >= 3, string.Join(", ", statuses));
        Assert.Equal(statuses.Count(s => s == HttpStatusCode.Accepted), await Runtimes.CountAsync(host.Engine, Topic));
    }

    [Fact]
    public async Task Random_and_truncated_bodies_are_never_a_500_and_never_half_stored()
    {
        await using var host = await ServerHost.StartAsync();
        await host.CreateTopicAsync(Topic, 4);
        var valid = "[" + string.Join(',', Enumerable.Range(0, 6).Select(i => $$"""{"key":"k-{{i}}","type":"t","data":{"n":{{i}},"s":"é\u00e9"},"headers":{"h":"v"},"id":"id-{{i}}"}""")) + "]";
        var validBytes = Encoding.UTF8.GetBytes(valid);
        var random = new Random(7);
        var bodies = new List<byte[]>();
        for (var length = 0; length < validBytes.Length; length += 3)
        {
            bodies.Add(validBytes[..length]); // every truncation
        }

        for (var i = 0; i < 150; i++)
        {
            var mutated = (byte[])validBytes.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            bodies.Add(mutated);
            var noise = new byte[random.Next(0, 300)];
            random.NextBytes(noise);
            bodies.Add(noise);
        }

        foreach (var body in bodies)
        {
            var before = await Runtimes.CountAsync(host.Engine, Topic);
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await host.Client.PostAsync($"/v1/topics/{Topic}/events", content);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(status is 202 or 400 or 413, $"status {status} for body {Convert.ToHexString(body)}: {text}");
            var stored = await Runtimes.CountAsync(host.Engine, Topic) - before;
            if (status == 202)
            {
                var events = (await ServerHost.ReadJsonAsync(response)).GetProperty("events");
                Assert.Equal(events.EnumerateArray().Count(e => !e.GetProperty("duplicate").GetBoolean()), stored);
            }
            else
            {
                Assert.Equal(0, stored);
                await ServerHost.AssertProblemAsync(response, status, null);
            }
        }
    }

    [Fact]
    public async Task An_engine_failure_mid_batch_is_503_and_retrying_with_the_same_ids_stores_every_event_once()
    {
        var inner = Runtimes.Engine();
        await using var engine = new FailOnceEngine(inner, failPartition: 2);
        await using var host = await ServerHost.StartAsync(engine);
        await host.CreateTopicAsync(Topic, 4);
        var keys = Enumerable.Range(0, 40).Select(i => $"k-{i}").ToList();
        Assert.Contains(keys, k => KeyHasher.PartitionFor(k, 4) == 2);
        var body = "[" + string.Join(',', keys.Select(k => $$"""{"id":"{{k}}-1","key":"{{k}}","type":"t","data":1}""")) + "]";

        using var failed = await host.PostEventsAsync(Topic, body);
        await ServerHost.AssertProblemAsync(failed, 503, null);
        Assert.NotNull(failed.Headers.RetryAfter);
        var partial = await Runtimes.CountAsync(inner, Topic);
        Assert.True(partial < keys.Count, "the failing partition stored nothing");

        using var retried = await host.PostEventsAsync(Topic, body);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        var stored = await Runtimes.ReadAllAsync(inner, Topic);
        Assert.Equal(keys.Count, stored.Count);
        Assert.Equal(keys.Count, stored.Select(e => e.Id).Distinct().Count());
    }

    private static async Task<HttpResponseMessage> PostChunkedAsync(ServerHost host, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/topics/{Topic}/events") { Content = new StreamContent(new MemoryStream(body)) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;
        return await host.Client.SendAsync(request);
    }

    /// <summary>
    /// Refuses, as <see cref="EventRules.Validate"/> does (index within its partition's part), events with a header
    /// <c>x-refused</c> or the key <c>refused-key</c>: an engine with a rule the server does not know.
    /// </summary>
    private sealed class RefusingEngine(IShoalEngine inner) : ForwardingEngine(inner)
    {
        public override ValueTask AppendAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, Memory<AppendedEvent> results, CancellationToken cancellationToken = default)
        {
            for (var i = 0; i < events.Length; i++)
            {
                var e = events.Span[i];
                var field = e.Headers?.ContainsKey("x-refused") == true ? "Headers[\"x-refused\"]" : e.Key == "refused-key" ? "Key" : null;
                if (field is not null)
                {
                    return ValueTask.FromException(new ShoalConfigurationException($"events[{i}].{field}", $"event '{e.Id}': this engine refuses it (test)."));
                }
            }

            return base.AppendAsync(topic, partition, events, results, cancellationToken);
        }
    }

    /// <summary>Fails the first append to one partition, as an engine that loses its connection mid-batch.</summary>
    private sealed class FailOnceEngine(IShoalEngine inner, int failPartition) : ForwardingEngine(inner)
    {
        private int _failed;

        public override ValueTask AppendAsync(string topic, int partition, ReadOnlyMemory<EventEnvelope> events, Memory<AppendedEvent> results, CancellationToken cancellationToken = default) =>
            partition == failPartition && Interlocked.Exchange(ref _failed, 1) == 0
                ? ValueTask.FromException(new EngineException("connection lost (test)"))
                : base.AppendAsync(topic, partition, events, results, cancellationToken);
    }
}
