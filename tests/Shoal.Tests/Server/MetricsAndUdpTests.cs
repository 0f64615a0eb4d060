using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Shoal.Engines.InProcess;
using Shoal.Server.Udp;
using Shoal.Tests.Runtime;
using Xunit;

namespace Shoal.Tests.Server;

public sealed class MetricsAndUdpTests
{
    [Fact]
    public async Task Metrics_export_handled_failed_dead_lettered_duration_and_lag_for_prometheus()
    {
        await using var engine = Runtimes.Engine();
        var handler = HandlerRegistration.For<Numbered>((e, _, _) =>
            e.Key == "poison" ? throw new InvalidOperationException("poison (test)") : ValueTask.CompletedTask);
        var group = new GroupOptions { Name = "metered", Topic = "metered", Retry = RetryOptions.Default with { MaxAttempts = 1 }, CommitInterval = TimeSpan.FromMilliseconds(50) };
        await using var runtime = ShoalRuntime.Create(engine, Runtimes.Options("metered", 2, group, handler));
        await runtime.StartAsync();
        await using var host = await ServerHost.StartAsync(engine);

        var body = "[" + string.Join(',', Enumerable.Range(0, 20).Select(i => $$$"""{"key":"k{{{i}}}","type":"numbered","data":{"key":"k{{{i}}}","sequence":{{{i}}}}}""")) +
                   """,{"key":"poison","type":"numbered","data":{"key":"poison","sequence":0}}]""";
        using var response = await host.PostEventsAsync("metered", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        string metrics = string.Empty;
        await Wait.UntilAsync(async () =>
        {
            metrics = await host.Client.GetStringAsync("/metrics");
            return Value(metrics, "shoal_events_handled_total", "metered") >= 20 && Value(metrics, "shoal_events_dead_lettered_total", "metered") >= 1
                && Value(metrics, "shoal_partition_lag", "metered") == 0 && metrics.Contains("shoal_partition_lag{", StringComparison.Ordinal);
        }, "handled, dead-lettered and a drained lag exported", 15);

        Assert.True(Value(metrics, "shoal_events_failed_total", "metered") >= 1, metrics);
        Assert.Matches(new Regex("""shoal_handler_duration_\w*bucket\{[^}]*shoal_group="metered"""), metrics);
        Assert.True(Value(metrics, "shoal_events_published_total", "metered") >= 21, metrics);
    }

    [Fact]
    public async Task Udp_datagrams_are_stored_and_malformed_ones_are_counted_and_dropped()
    {
        await using var host = await ServerHost.StartAsync(options: o => o with { UdpEndpoint = new IPEndPoint(IPAddress.Loopback, 0) });
        await host.CreateTopicAsync("telemetry", 2);
        var udp = (UdpIngest)host.Server.Services.GetService(typeof(UdpIngest))!;
        var endpoint = await udp.Bound;
        using var client = new UdpClient(AddressFamily.InterNetwork);

        var datagrams = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            datagrams.Add($$$"""{"topic":"telemetry","key":"sensor-{{{i % 3}}}","type":"reading","data":{"v":{{{i}}}}}""");
        }

        datagrams.AddRange(["not json", """{"topic":"telemetry","type":"reading","data":1}""", """{"key":"a","type":"reading","data":1}""", "\u0000\u00ff", string.Empty,
            """{"topic":"telemetry","key":"a","type":"reading","data":1,"headers":{"Nats-Foo":"v"}}""", """{"topic":"telemetry","key":"a\nb","type":"reading","data":1}"""]);
        foreach (var datagram in datagrams)
        {
            var bytes = Encoding.UTF8.GetBytes(datagram);
            await client.SendAsync(bytes, bytes.Length, endpoint);
        }

        // Loopback UDP does not lose datagrams unless the receive buffer overflows, which 37 small ones do not.
        await Wait.UntilAsync(() => udp.Malformed == 7 && udp.Accepted == 30, "every datagram received", 10);
        Assert.Equal(30, await Runtimes.CountAsync(host.Engine, "telemetry"));
        var metrics = await host.Client.GetStringAsync("/metrics");
        // The counter is the process's (one static meter): other tests' servers in this process may add to it.
        Assert.True(Value(metrics, "shoal_udp_datagrams_total", "malformed") >= 7, metrics);
        using var ready = await host.SendAsync(HttpMethod.Get, "/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    /// <summary>
    /// One event of a UDP publish batch that the publisher or the engine refuses (here one over the engine's own size
    /// limit, below the server's, and one with a reserved header) is counted <c>malformed</c> alone; every other event
    /// of the batch, on every partition, is stored exactly once.
    /// </summary>
    [Fact]
    public async Task An_event_of_a_udp_batch_the_engine_or_publisher_refuses_is_malformed_alone()
    {
        const string Topic = "udp-refused";
        await using var engine = InProcessEngine.Create(new InProcessEngineOptions { MaxEventBytes = 2_000 });
        await using var host = await ServerHost.StartAsync(engine, o => o with { UdpEndpoint = new IPEndPoint(IPAddress.Loopback, 0) });
        await host.CreateTopicAsync(Topic, 4);
        var udp = (UdpIngest)host.Server.Services.GetService(typeof(UdpIngest))!;
        await udp.Bound;
        var batch = new List<SerializedEvent>();
        for (var i = 0; i < 40; i++)
        {
            batch.Add(new SerializedEvent($"k{i}", "t", Encoding.UTF8.GetBytes($"{{\"v\":{i}}}")));
        }

        batch.Insert(13, new SerializedEvent("big", "t", Encoding.UTF8.GetBytes($"\"{new string('x', 5_000)}\"")));
        batch.Insert(29, new SerializedEvent("reserved", "t", "1"u8.ToArray()) { Headers = new Dictionary<string, string> { ["Nats-Foo"] = "v" } });

        await udp.PublishAsync(Topic, batch, CancellationToken.None);

        Assert.Equal(40, udp.Accepted);
        Assert.Equal(2, udp.Malformed);
        Assert.Equal(0, udp.Dropped);
        var stored = await Runtimes.ReadAllAsync(engine, Topic);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"k{i}").Order(), stored.Select(e => e.Key!).Order());
    }

    /// <summary>The sum of a Prometheus metric's samples whose labels mention <paramref name="label"/>.</summary>
    private static double Value(string metrics, string name, string label) =>
        metrics.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) && line.Contains($"\"{label}\"", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
}
