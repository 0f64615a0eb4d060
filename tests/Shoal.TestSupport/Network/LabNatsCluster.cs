using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Shoal.Hosting.Processes;

namespace Shoal.TestSupport.Network;

/// <summary>
/// A JetStream cluster of <c>nats-server</c>s, one per host of a <see cref="NetworkLab"/>, each on its host's address with
/// the standard ports (client 4222, routes 6222, monitoring 8222: every namespace has ports of its own), data in a
/// temporary directory. Disposing stops the servers (the lab kills whatever is left) and deletes the directory.
/// </summary>
internal sealed class LabNatsCluster : IAsyncDisposable
{
    public const string ClientPort = "4222";
    private const string RoutePort = "6222";
    private const string MonitorPort = "8222";

    private readonly NetworkLab _lab;
    private readonly string _directory;
    private readonly List<ChildProcess> _servers = [];

    private LabNatsCluster(NetworkLab lab, IReadOnlyList<string> hosts, string directory)
    {
        _lab = lab;
        Hosts = hosts;
        _directory = directory;
    }

    /// <summary>The hosts the servers run on; server <c>i</c> is named <c>shoal-{i}</c>.</summary>
    public IReadOnlyList<string> Hosts { get; }

    /// <summary>Every server, with R3 topics and coordination (<c>?replicas=3&amp;kv-replicas=3</c>) from three servers on.</summary>
    public string EngineUri => UriOf(Hosts);

    /// <summary>
    /// A URI of only <paramref name="hosts"/> (some of the servers), with the replicas of the whole cluster: a client given
    /// it connects to one of those (and may learn the others from the servers when it reconnects).
    /// </summary>
    public string UriOf(IEnumerable<string> hosts) =>
        "nats://" + string.Join(",", hosts.Select(h => $"{_lab.Address(Server(h))}:{ClientPort}")) + (Hosts.Count >= 3 ? "?replicas=3&kv-replicas=3" : string.Empty);

    /// <summary>The host JetStream's meta leader runs on (from the first server whose <c>/jsz</c> names one), or null when none is known.</summary>
    public async Task<string?> MetaLeaderAsync(CancellationToken cancellationToken = default)
    {
        foreach (var host in Hosts)
        {
            if (await MonitorAsync(host, "/jsz", cancellationToken) is { } jsz
                && jsz.RootElement.TryGetProperty("meta_cluster", out var meta) && meta.TryGetProperty("leader", out var leader)
                && leader.GetString() is { } name && name.StartsWith("shoal-", StringComparison.Ordinal)
                && int.TryParse(name.AsSpan("shoal-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && index < Hosts.Count)
            {
                jsz.Dispose();
                return Hosts[index];
            }
        }

        return null;
    }

    /// <summary>
    /// The server hosts each client address has connections to (from every server's <c>/connz</c>; a client may hold more
    /// than one connection); a server that does not answer is left out.
    /// </summary>
    public async Task<ILookup<string, string>> ClientsAsync(CancellationToken cancellationToken = default)
    {
        var clients = new List<(string Address, string Server)>();
        foreach (var host in Hosts)
        {
            using var connz = await MonitorAsync(host, "/connz?limit=4096", cancellationToken);
            if (connz is not null && connz.RootElement.TryGetProperty("connections", out var connections) && connections.ValueKind == JsonValueKind.Array)
            {
                foreach (var connection in connections.EnumerateArray())
                {
                    if (connection.TryGetProperty("ip", out var ip) && ip.GetString() is { } address)
                    {
                        clients.Add((address, host));
                    }
                }
            }
        }

        return clients.Distinct().ToLookup(c => c.Address, c => c.Server, StringComparer.Ordinal);
    }

    /// <summary>Starts one server on each of <paramref name="hosts"/> and waits (at most 60 s) until each one's <c>/healthz</c> says ok.</summary>
    public static async Task<LabNatsCluster> StartAsync(NetworkLab lab, IReadOnlyList<string> hosts)
    {
        var directory = Path.Combine(Path.GetTempPath(), "shoal-lab-nats-" + Guid.NewGuid().ToString("N")[..12]);
        var cluster = new LabNatsCluster(lab, hosts, directory);
        try
        {
            for (var i = 0; i < hosts.Count; i++)
            {
                var store = Path.Combine(directory, $"n{i}");
                Directory.CreateDirectory(store);
                var address = lab.Address(hosts[i]);
                List<string> args = ["-a", address, "-p", ClientPort, "-m", MonitorPort, "-js", "-sd", store, "-n", $"shoal-{i}"];
                if (hosts.Count > 1)
                {
                    args.AddRange(["--cluster_name", "shoal", "--cluster", $"nats://{address}:{RoutePort}",
                        "--routes", string.Join(",", hosts.Where(h => h != hosts[i]).Select(h => $"nats://{lab.Address(h)}:{RoutePort}"))]);
                }

                cluster._servers.Add(lab.Start(hosts[i], $"nats-server {hosts[i]}", "nats-server", args));
            }

            await cluster.WaitReadyAsync(TimeSpan.FromSeconds(60));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.StopAsync(TimeSpan.FromSeconds(5));
            await server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a temporary directory left behind is harmless.
        }
    }

    /// <summary>
    /// What the servers logged about JetStream leaders so far (new stream and metadata leaders, lost
    /// quorum, stepping down), one line each prefixed with the host: when a fault's elections happened and how long they took.
    /// </summary>
    public string LeaderChanges()
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < _servers.Count; i++)
        {
            foreach (var line in _servers[i].Lines.Concat(_servers[i].ErrorLines)
                         .Where(l => (l.Contains("leader", StringComparison.OrdinalIgnoreCase) || l.Contains("quorum", StringComparison.OrdinalIgnoreCase))
                                     && !l.Contains("consumer leader", StringComparison.OrdinalIgnoreCase)))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{Hosts[i]}: {line}");
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// The streams whose replica on <paramref name="host"/> is their leader (from its <c>/jsz</c>; empty when it does not
    /// answer), for a timeline to say what a fault on that host takes away: the coordination bucket is <c>KV_shoal</c>.
    /// </summary>
    public async Task<IReadOnlyList<string>> StreamsLedByAsync(string host, CancellationToken cancellationToken = default)
    {
        using var jsz = await MonitorAsync(host, "/jsz?accounts=true&streams=true", cancellationToken);
        if (jsz is null)
        {
            return [];
        }

        var name = $"shoal-{Hosts.ToList().IndexOf(Server(host))}";
        return [.. Items(jsz.RootElement, "account_details")
            .SelectMany(a => Items(a, "stream_detail"))
            .Where(d => d.TryGetProperty("cluster", out var c) && c.TryGetProperty("leader", out var l) && l.GetString() == name)
            .Select(d => d.GetProperty("name").GetString() ?? "?")
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// What each server says of <paramref name="stream"/> (its <c>/jsz</c>): its last sequence there, the stream's leader
    /// and replicas (current, lag), and each consumer's leader and delivered / pending — for a test that failed on a read.
    /// </summary>
    public async Task<string> DescribeStreamAsync(string stream, CancellationToken cancellationToken = default)
    {
        var text = new System.Text.StringBuilder();
        foreach (var host in Hosts)
        {
            using var jsz = await MonitorAsync(host, "/jsz?accounts=true&streams=true&consumers=true", cancellationToken);
            if (jsz is null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{host}: /jsz did not answer");
                continue;
            }

            var found = false;
            foreach (var account in Items(jsz.RootElement, "account_details"))
            {
                foreach (var detail in Items(account, "stream_detail").Where(d => d.TryGetProperty("name", out var n) && n.GetString() == stream))
                {
                    found = true;
                    var state = detail.GetProperty("state");
                    var cluster = detail.TryGetProperty("cluster", out var c) ? c.ToString() : "{}";
                    text.AppendLine(CultureInfo.InvariantCulture, $"{host}: {stream} last_seq {state.GetProperty("last_seq")}, cluster {cluster}");
                    foreach (var consumer in Items(detail, "consumer_detail"))
                    {
                        text.AppendLine(CultureInfo.InvariantCulture,
                            $"  consumer {consumer.GetProperty("name")}: cluster {(consumer.TryGetProperty("cluster", out var cc) ? cc.ToString() : "{}")}, delivered {consumer.GetProperty("delivered")}, num_pending {consumer.GetProperty("num_pending")}, num_waiting {consumer.GetProperty("num_waiting")}");
                    }
                }
            }

            if (!found)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{host}: has no replica of {stream}");
            }
        }

        return text.ToString();
    }

    private static JsonElement[] Items(JsonElement element, string name) =>
        element.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array ? [.. items.EnumerateArray()] : [];

    private string Server(string host) =>
        Hosts.Contains(host) ? host : throw new ArgumentException($"'{host}' runs no server of this cluster ({string.Join(", ", Hosts)})", nameof(host));

    /// <summary>A monitoring endpoint of <paramref name="host"/>'s server as JSON, or null when it does not answer within 2 s.</summary>
    private async Task<JsonDocument?> MonitorAsync(string host, string path, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await http.GetAsync(new Uri($"http://{_lab.Address(host)}:{MonitorPort}{path}"), cancellationToken);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Hosts.Count; i++)
        {
            var last = "no answer";
            while (true)
            {
                if (_servers[i].HasExited)
                {
                    throw new InvalidOperationException($"nats-server on {Hosts[i]} exited: {_servers[i]}");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri($"http://{_lab.Address(Hosts[i])}:{MonitorPort}/healthz"));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }

                    last = await response.Content.ReadAsStringAsync();
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    last = e.Message;
                }

                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException($"nats-server on {Hosts[i]} was not ready within {timeout.TotalSeconds:0} s: {last}\n{_servers[i]}");
                }

                await Task.Delay(100);
            }
        }
    }
}
