using System.Diagnostics;
using System.Net;
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
    public string EngineUri =>
        "nats://" + string.Join(",", Hosts.Select(h => $"{_lab.Address(h)}:{ClientPort}")) + (Hosts.Count >= 3 ? "?replicas=3&kv-replicas=3" : string.Empty);

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
