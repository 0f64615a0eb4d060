using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Shoal.Engines.InProcess;
using Shoal.Serialization;
using Shoal.Server;

namespace Shoal.Benchmarks.Server;

/// <summary>
/// HTTP ingest throughput with wrk on loopback, as a ratio against direct library publish measured in the same run on
/// the same engine: single events (one per request / one per publish call) and batches of 100. Not BenchmarkDotNet:
/// the load generator is an external process. See docs/benchmarks.md (Server ingest).
/// </summary>
internal static partial class ServerIngestBench
{
    private const string Topic = "ingest";
    private const int Partitions = 12;

    public sealed record IngestEvent(int N, string Sensor, double Value);

    public static async Task RunAsync(string[] args)
    {
        var seconds = Arg(args, "--seconds", 10);
        var connections = Arg(args, "--connections", 16);
        var threads = Arg(args, "--threads", 2);
        Console.WriteLine($"server ingest: {seconds}s per case, wrk -t{threads} -c{connections}, {connections} concurrent library publishers, inproc engine, {Partitions} partitions");

        await using var engine = InProcessEngine.Create(new InProcessEngineOptions());
        var types = new EventTypeRegistry().Add<IngestEvent>("reading");
        var options = new ShoalOptions
        {
            Topics = [new TopicOptions { Name = Topic, Partitions = Partitions, DeduplicationWindow = TimeSpan.Zero, Retention = RetentionOptions.Default with { MaxEventsPerPartition = 200_000 } }],
            EventTypes = types,
        };
        await using var runtime = ShoalRuntime.Create(engine, options);
        await runtime.StartAsync();

        var rows = new List<(string Case, double Library, double Http, string Note)>();
        foreach (var batch in new[] { 1, 100 })
        {
            var library = await LibraryAsync(runtime.Publisher, batch, connections, seconds);
            await using var server = ShoalServer.Create(engine, ShoalServerOptions.Default with { Urls = ["http://127.0.0.1:0"] });
            await server.StartAsync();
            var (http, note) = await WrkAsync(server.Urls[0], batch, threads, connections, seconds);
            await server.StopAsync();
            rows.Add((batch == 1 ? "single events" : $"batches of {batch}", library, http, note));
        }

        Console.WriteLine();
        Console.WriteLine("| Case | Library publish (events/s) | HTTP via wrk (events/s) | HTTP / library | wrk notes |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        foreach (var (name, library, http, note) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {library:N0} | {http:N0} | {http / library:P1} | {note} |"));
        }
    }

    /// <summary>Events/s through <see cref="IEventPublisher.PublishBatchAsync{TEvent}"/> from <paramref name="concurrency"/> tasks.</summary>
    private static async Task<double> LibraryAsync(IEventPublisher publisher, int batch, int concurrency, int seconds)
    {
        var events = Enumerable.Range(0, batch).Select(i => new OutgoingEvent<IngestEvent>($"sensor-{i % 50}", new IngestEvent(i, $"sensor-{i % 50}", i * 0.5))).ToArray();
        long published = 0;
        var stopwatch = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (stopwatch.Elapsed < deadline)
            {
                await publisher.PublishBatchAsync(Topic, events);
                Interlocked.Add(ref published, batch);
            }
        })));
        return published / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>Events/s through <c>POST /v1/topics/{topic}/events</c> driven by wrk (requests/s × events per request).</summary>
    private static async Task<(double EventsPerSecond, string Note)> WrkAsync(Uri url, int batch, int threads, int connections, int seconds)
    {
        var body = "[" + string.Join(',', Enumerable.Range(0, batch).Select(i =>
            string.Create(CultureInfo.InvariantCulture, $$$"""{"key":"sensor-{{{i % 50}}}","type":"reading","data":{"n":{{{i}}},"sensor":"sensor-{{{i % 50}}}","value":{{{i * 0.5}}}}}"""))) + "]";
        if (batch == 1)
        {
            body = body[1..^1]; // one event object, not an array
        }

        var script = Path.Combine(Path.GetTempPath(), $"shoal-ingest-{batch}.lua");
        await File.WriteAllTextAsync(script, $"wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = [==[{body}]==]\n", Encoding.UTF8);
        var start = new ProcessStartInfo("wrk", [$"-t{threads}", $"-c{connections}", $"-d{seconds}s", "-s", script, new Uri(url, $"/v1/topics/{Topic}/events").ToString()])
        {
            RedirectStandardOutput = true,
        };
        using var wrk = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start; install it (apt-get install wrk).");
        var output = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        Console.WriteLine(output);
        var requests = double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var errors = NonSuccess().Match(output) is { Success: true } m ? $"{m.Groups[1].Value} non-2xx responses" : "all 202";
        return (requests * batch, errors);
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccess();
}
