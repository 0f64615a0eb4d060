using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
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

    private readonly ConcurrentDictionary<string, (ActivityTraceId TraceId, string? Name, string? Header)> _seen = new();

    public TracingTests() => ActivitySource.AddActivityListener(_listener);

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
