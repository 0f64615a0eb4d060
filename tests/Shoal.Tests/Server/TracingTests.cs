using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Shoal.Server.Udp;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Server;

/// <summary>W3C trace context travels from the producer (HTTP caller or library publisher) through event headers to the handler's Activity.</summary>
public sealed class TracingTests : IDisposable
{
    private static readonly ActivitySource Producer = new("Shoal.Tests.Producer");
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name is "Shoal" or "Shoal.Tests.Producer" or "Microsoft.AspNetCore",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    private readonly ConcurrentQueue<(string Name, string? Topic)> _stopped = new();

    private readonly ConcurrentDictionary<string, (ActivityTraceId TraceId, string? Name, string? Header)> _seen = new();

    public TracingTests()
    {
        _listener.ActivityStopped = a => _stopped.Enqueue((a.OperationName, a.GetTagItem("messaging.destination.name") as string));
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task The_handlers_trace_id_is_the_library_producers()
    {
        await using var engine = Runtimes.Engine();
        await using var runtime = await StartConsumerAsync(engine, "traced-lib");

        ActivityTraceId producerTrace;
        using (var producing = Producer.StartActivity("produce"))
        {
            Assert.NotNull(producing);
            producerTrace = producing.TraceId;
            await runtime.Publisher.PublishAsync("traced-lib", "lib-1", new Numbered("lib-1", 1));
        }

        await Wait.UntilAsync(() => _seen.ContainsKey("lib-1"), "the handler ran");
        Assert.Equal(producerTrace, _seen["lib-1"].TraceId);
        Assert.Equal("shoal.handle", _seen["lib-1"].Name);
    }

    [Fact]
    public async Task The_handlers_trace_id_is_the_http_callers()
    {
        await using var engine = Runtimes.Engine();
        await using var runtime = await StartConsumerAsync(engine, "traced-http");
        await using var host = await ServerHost.StartAsync(engine);
        var traceId = ActivityTraceId.CreateRandom();
        var caller = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01";

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/topics/traced-http/events")
        {
            Content = ServerHost.Json("""{"key":"http-1","type":"numbered","data":{"key":"http-1","sequence":1}}"""),
        };
        request.Headers.Add("traceparent", caller);
        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Wait.UntilAsync(() => _seen.ContainsKey("http-1"), "the handler ran");
        Assert.Equal(traceId, _seen["http-1"].TraceId);
        Assert.Contains(traceId.ToString(), _seen["http-1"].Header, StringComparison.Ordinal);
    }

    /// <summary>
    /// The trace headers the server adds (here the ingest activity's <c>traceparent</c>, and the caller's
    /// <c>tracestate</c> it continues) count against the header limit when the request is checked: an event at the limit
    /// with them is stored; one that the caller's <c>tracestate</c> takes over it is a 400 naming the event and field,
    /// refused before the publisher is asked (no <c>shoal.publish</c>), storing nothing.
    /// </summary>
    [Fact]
    public async Task The_trace_headers_the_server_adds_are_counted_when_the_request_is_checked()
    {
        const string Topic = "traced-limit";
        await using var engine = Runtimes.Engine();
        await using var host = await ServerHost.StartAsync(engine);
        await host.CreateTopicAsync(Topic, 4);
        var probe = new EventEnvelope("limit-0", Topic, "k", "t", ReadOnlyMemory<byte>.Empty)
        {
            Headers = new Dictionary<string, string> { ["pad"] = "x", ["traceparent"] = $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01" },
            Deduplicate = true,
            ContentType = ContentTypes.Json,
        };
        var pad = new string('x', 1 + EventRules.MaxHeaderBlockBytes - (int)EventRules.HeaderBlockBytes(probe));
        string AtLimit(string id) => $$$"""{"id":"{{{id}}}","key":"k","type":"t","data":1,"headers":{"pad":"{{{pad}}}"}}""";
        async Task<HttpResponseMessage> PostAsync(string body, string? traceState)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/topics/{Topic}/events") { Content = ServerHost.Json(body) };
            request.Headers.Add("traceparent", $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01");
            if (traceState is not null)
            {
                request.Headers.Add("tracestate", traceState);
            }

            return await host.Client.SendAsync(request);
        }

        using var atLimit = await PostAsync(AtLimit("limit-1"), traceState: null);
        Assert.Equal(HttpStatusCode.Accepted, atLimit.StatusCode);
        var stored = Assert.Single(await Runtimes.ReadAllAsync(engine, Topic));
        Assert.True(stored.Headers!.ContainsKey("traceparent"));
        _stopped.Clear();

        using var over = await PostAsync($"[{{\"id\":\"small\",\"key\":\"j\",\"type\":\"t\",\"data\":1}},{AtLimit("limit-2")}]", traceState: "vendor=1");

        var problem = await ServerHost.AssertProblemAsync(over, 400, "[1].headers");
        Assert.Contains("65535", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await Runtimes.CountAsync(engine, Topic));
        Assert.DoesNotContain(_stopped, a => a.Name == "shoal.publish" && a.Topic == Topic);
    }

    /// <summary>
    /// Header names are case-insensitive here: an event's own trace header written <c>TraceParent</c> (HTTP) or
    /// <c>TRACEPARENT</c> (library publisher) is recognised as its trace context. Nothing is added (no second
    /// <c>traceparent</c> for the case-duplicate rule to refuse), the event is stored with its header as written, and
    /// its handler runs under that trace. Before, the HTTP request was a 400 naming <c>headers.traceparent</c> and the
    /// library publish threw.
    /// </summary>
    [Fact]
    public async Task An_events_own_trace_header_in_any_case_is_its_parent_and_nothing_is_added()
    {
        const string Topic = "traced-case";
        await using var engine = Runtimes.Engine();
        await using var runtime = await StartConsumerAsync(engine, Topic);
        await using var host = await ServerHost.StartAsync(engine);
        var httpTrace = ActivityTraceId.CreateRandom();
        var libraryTrace = ActivityTraceId.CreateRandom();

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/topics/{Topic}/events")
        {
            Content = ServerHost.Json($$$"""{"key":"case-http","type":"numbered","data":{"key":"case-http","sequence":1},"headers":{"TraceParent":"00-{{{httpTrace}}}-{{{ActivitySpanId.CreateRandom()}}}-01","TraceState":"vendor=1"}}"""),
        };
        request.Headers.Add("traceparent", $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        using (Producer.StartActivity("produce"))
        {
            await runtime.Publisher.PublishAsync(Topic, new OutgoingEvent<Numbered>("case-lib", new Numbered("case-lib", 1))
            {
                Headers = new Dictionary<string, string> { ["TRACEPARENT"] = $"00-{libraryTrace}-{ActivitySpanId.CreateRandom()}-01" },
            });
        }

        await Wait.UntilAsync(() => _seen.ContainsKey("case-http") && _seen.ContainsKey("case-lib"), "both handlers ran");
        Assert.Equal(httpTrace, _seen["case-http"].TraceId);
        Assert.Equal(libraryTrace, _seen["case-lib"].TraceId);
        var stored = await Runtimes.ReadAllAsync(engine, Topic);
        string[] TraceHeaders(string key) => [.. stored.Single(e => e.Key == key).Headers!.Keys.Where(k => k.StartsWith("trace", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)];
        Assert.Equal(["TraceParent", "TraceState"], TraceHeaders("case-http"));
        Assert.Equal(["TRACEPARENT"], TraceHeaders("case-lib"));
    }

    /// <summary>
    /// UDP ingest adds its trace headers where HTTP does (the parser, with the one decision of which), so they count when
    /// a datagram is checked: with a trace listener on, a datagram whose event is exactly at the header limit as sent is
    /// counted <c>malformed</c> alone, and every other datagram is stored, each with the server's <c>traceparent</c>.
    /// Before, the publisher added <c>traceparent</c> after the check and the whole publish batch failed.
    /// </summary>
    [Fact]
    public async Task A_udp_datagram_the_trace_headers_take_over_the_limit_is_malformed_alone()
    {
        const string Topic = "traced-udp";
        await using var host = await ServerHost.StartAsync(options: o => o with { UdpEndpoint = new IPEndPoint(IPAddress.Loopback, 0) });
        await host.CreateTopicAsync(Topic, 4);
        var udp = (UdpIngest)host.Server.Services.GetService(typeof(UdpIngest))!;
        var endpoint = await udp.Bound;
        var probe = new EventEnvelope("udp-limit", Topic, "k", "t", ReadOnlyMemory<byte>.Empty)
        {
            Headers = new Dictionary<string, string> { ["pad"] = "x" },
            Deduplicate = true,
            ContentType = ContentTypes.Json,
        };
        var pad = new string('x', 1 + EventRules.MaxHeaderBlockBytes - (int)EventRules.HeaderBlockBytes(probe));
        var atLimit = Encoding.UTF8.GetBytes($$$"""{"topic":"{{{Topic}}}","id":"udp-limit","key":"k","type":"t","data":1,"headers":{"pad":"{{{pad}}}"}}""");
        Assert.True(atLimit.Length <= 65_507, $"the datagram is {atLimit.Length} bytes");
        using var client = new UdpClient(AddressFamily.InterNetwork);
        for (var i = 0; i < 20; i++)
        {
            if (i == 10)
            {
                await client.SendAsync(atLimit, atLimit.Length, endpoint);
            }

            var bytes = Encoding.UTF8.GetBytes($$$"""{"topic":"{{{Topic}}}","key":"u{{{i}}}","type":"t","data":{{{i}}}}""");
            await client.SendAsync(bytes, bytes.Length, endpoint);
        }

        await Wait.UntilAsync(() => udp.Malformed == 1 && udp.Accepted == 20, "20 datagrams accepted and 1 counted malformed", 10);
        var stored = await Runtimes.ReadAllAsync(host.Engine, Topic);
        Assert.Equal(20, stored.Count);
        Assert.All(stored, e => Assert.True(e.Headers!.ContainsKey("traceparent")));
        Assert.Equal(0, udp.Dropped);
    }

    private async Task<ShoalRuntime> StartConsumerAsync(Shoal.Engine.IShoalEngine engine, string topic)
    {
        var handler = HandlerRegistration.For<Numbered>((e, ctx, _) =>
        {
            var current = Activity.Current;
            ctx.Headers.TryGetValue("traceparent", out var header);
            _seen[e.Key] = (current?.TraceId ?? default, current?.OperationName, header);
            return ValueTask.CompletedTask;
        });
        var runtime = ShoalRuntime.Create(engine, Runtimes.Options(topic, 2, new GroupOptions { Name = "tracing", Topic = topic }, handler));
        await runtime.StartAsync();
        return runtime;
    }
}
