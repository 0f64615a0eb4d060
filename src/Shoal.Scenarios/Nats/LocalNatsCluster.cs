using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Shoal.Hosting.Processes;

namespace Shoal.Scenarios.Nats;

/// <summary>
/// Real <c>nats-server -js</c> processes on loopback, on free ports, with data in a directory: one server or a
/// JetStream cluster. Used by <c>shoal dev-cluster</c>, <c>shoal bench nats</c>, <c>shoal bench failover</c> and the
/// tests. Servers are stopped by pid, SIGTERM then SIGKILL, on dispose. The tests' fault injection (kill, restart on the
/// same ports and data, meta-leader lookup) is a fixture on top of this (<c>NatsFaultCluster</c> in
/// <c>tests/Shoal.TestSupport</c>), through <see cref="Nodes"/>, <see cref="Launch"/> and <see cref="WaitReadyAsync"/>.
/// </summary>
public sealed class LocalNatsCluster : IAsyncDisposable
{
    /// <summary>The server binary looked up on PATH.</summary>
    public const string ServerCommand = "nats-server";

    private readonly LocalNatsClusterOptions _options;
    private readonly string _binary;
    private readonly bool _ownsDirectory;
    private readonly Node[] _nodes;

    private LocalNatsCluster(LocalNatsClusterOptions options, string binary, string directory, bool ownsDirectory)
    {
        _options = options;
        _binary = binary;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        _nodes = new Node[options.Servers];
    }

    /// <summary>Where the servers keep their data (<c>n{index}/</c>) and logs (<c>n{index}.log</c>).</summary>
    public string Directory { get; }

    /// <summary>The client URLs, <c>nats://127.0.0.1:PORT</c>, one per server.</summary>
    public IReadOnlyList<string> Urls => [.. _nodes.Select(n => n.Url)];

    /// <summary>
    /// The engine URI of all servers, <c>nats://127.0.0.1:P1,127.0.0.1:P2,…</c>; with 3 or more servers it asks for
    /// <c>replicas=3&amp;kv-replicas=3</c> (topics and the coordination bucket on three servers).
    /// </summary>
    public string EngineUri =>
        "nats://" + string.Join(",", Urls.Select(u => u["nats://".Length..])) + (_nodes.Length >= 3 ? "?replicas=3&kv-replicas=3" : string.Empty);

    /// <summary>The process ids of the running servers (0 for a killed one).</summary>
    public IReadOnlyList<int> ProcessIds => [.. _nodes.Select(n => n.Process is { HasExited: false } p ? p.Id : 0)];

    /// <summary>The servers, by index: ports and process (null once a fault test killed it).</summary>
    internal IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>The <c>nats-server</c> on PATH, or null.</summary>
    internal static string? FindServer()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, ServerCommand);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Starts the servers and waits until JetStream answers on every one. Throws <see cref="EngineException"/> when it cannot.</summary>
    public static async Task<LocalNatsCluster> StartAsync(LocalNatsClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalNatsClusterOptions();
        OptionChecks.Range("--servers", options.Servers, 1, 9);
        var binary = FindServer() ?? throw new EngineException(
            $"'{ServerCommand}' is not on PATH. Install it (Debian/Ubuntu: apt-get install -y nats-server; or see https://docs.nats.io) and try again.");
        var ownsDirectory = options.Directory is null;
        var directory = options.Directory ?? Path.Combine(Path.GetTempPath(), "shoal-nats-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ShoalException($"cannot use '{directory}' for the servers' data and logs: {e.Message}");
        }
        var cluster = new LocalNatsCluster(options, binary, directory, ownsDirectory);
        try
        {
            var ports = FreePorts(options.Servers * 3);
            for (var i = 0; i < options.Servers; i++)
            {
                cluster._nodes[i] = new Node(i, ports[i * 3], ports[(i * 3) + 1], ports[(i * 3) + 2]);
            }

            foreach (var node in cluster._nodes)
            {
                cluster.Launch(node);
            }

            await cluster.WaitReadyAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the servers (SIGTERM, then SIGKILL after 5 s) and deletes the directory if it created it.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (node?.Process is { } process)
            {
                try
                {
                    if (!process.HasExited)
                    {
                        ProcessSignals.Terminate(process.Id);
                        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                        try
                        {
                            await process.WaitForExitAsync(grace.Token);
                        }
                        catch (OperationCanceledException)
                        {
                            process.Kill();
                            await process.WaitForExitAsync();
                        }
                    }
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }

                process.Dispose();
                node.Process = null;
            }
        }

        if (_ownsDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind is harmless.
            }
        }
    }

    /// <summary>Starts <paramref name="node"/>'s server on its ports with its data directory (it must not be running).</summary>
    internal void Launch(Node node)
    {
        var store = Path.Combine(Directory, $"n{node.Index}");
        System.IO.Directory.CreateDirectory(store);
        var start = new ProcessStartInfo(_binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in Arguments(node, store))
        {
            start.ArgumentList.Add(argument);
        }

        node.Process = Process.Start(start) ?? throw new EngineException($"Could not start {_binary}.");
        node.Process.OutputDataReceived += static (_, _) => { };
        node.Process.ErrorDataReceived += static (_, _) => { };
        node.Process.BeginOutputReadLine();
        node.Process.BeginErrorReadLine();
    }

    private List<string> Arguments(Node node, string store)
    {
        var args = new List<string>
        {
            "-a", "127.0.0.1", "-p", Port(node.ClientPort), "-m", Port(node.MonitorPort),
            "-js", "-sd", store, "-n", $"shoal-{node.Index}", "-l", Path.Combine(Directory, $"n{node.Index}.log"),
        };
        if (_nodes.Length > 1)
        {
            args.AddRange(["--cluster_name", "shoal", "--cluster", $"nats://127.0.0.1:{Port(node.ClusterPort)}",
                "--routes", string.Join(",", _nodes.Where(n => n != node).Select(n => $"nats://127.0.0.1:{Port(n.ClusterPort)}"))]);
        }

        args.AddRange(_options.ExtraArguments);
        return args;
    }

    /// <summary>Polls each running server's <c>/healthz</c> (JetStream current, meta leader known) until all say ok.</summary>
    internal async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        foreach (var node in _nodes.Where(n => n.Process is not null))
        {
            string last = "no answer";
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (node.Process!.HasExited)
                {
                    throw new EngineException($"{ServerCommand} {node.Index} exited with code {node.Process.ExitCode}: {LogTail(node)}");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{Port(node.MonitorPort)}/healthz"), cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }

                    last = await response.Content.ReadAsStringAsync(cancellationToken);
                }
                catch (HttpRequestException e)
                {
                    last = e.Message;
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    last = "health check timed out";
                }

                if (deadline.Elapsed > _options.ReadyTimeout)
                {
                    throw new EngineException($"{ServerCommand} {node.Index} ({node.Url}) was not ready within {_options.ReadyTimeout.TotalSeconds:0}s: {last}. {LogTail(node)}");
                }

                await Task.Delay(50, cancellationToken);
            }
        }
    }

    private string LogTail(Node node)
    {
        var log = Path.Combine(Directory, $"n{node.Index}.log");
        return File.Exists(log) ? "Log: " + string.Join(" | ", File.ReadLines(log).TakeLast(5)) : "(no log)";
    }

    internal static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Distinct free loopback ports (bound together, then released).</summary>
    internal static int[] FreePorts(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    /// <summary>One server: its index (its name is <c>shoal-{index}</c>), its ports and its process while it runs.</summary>
    internal sealed class Node(int index, int clientPort, int clusterPort, int monitorPort)
    {
        public int Index { get; } = index;

        public int ClientPort { get; } = clientPort;

        public int ClusterPort { get; } = clusterPort;

        public int MonitorPort { get; } = monitorPort;

        public string Url => $"nats://127.0.0.1:{ClientPort.ToString(CultureInfo.InvariantCulture)}";

        public Process? Process { get; set; }
    }
}
