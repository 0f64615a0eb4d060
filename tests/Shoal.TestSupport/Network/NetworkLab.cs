using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Shoal.Hosting.Processes;
using Shoal.Scenarios;

namespace Shoal.TestSupport.Network;

/// <summary>
/// A private network of Linux network namespaces for partition tests: one bridge, and per host a namespace with a veth
/// into the bridge, an address on a private /24 (10.213.X.0/24, only on that bridge; the bridge itself is .1, so the
/// test process reaches every host) and loopback up. Processes run inside a host's namespace (<c>ip netns exec</c>);
/// links are cut, made lossy and healed with nftables rules inside the namespace (table <c>inet shoal_lab</c>).
/// </summary>
/// <remarks>
/// <para>Needs root, <c>ip</c> (iproute2) and <c>nft</c> (nftables): <see cref="UnavailableReason"/> says what is missing,
/// so a test can skip with that reason. The kernel here has no <c>netem</c>, so a flaky link only loses packets
/// (<c>numgen random mod 100 &lt; P drop</c>); it does not delay them.</para>
/// <para>Names carry the creating process id (<c>shl{pid}n{seq}</c>: bridge <c>…b</c>, veths <c>…v{i}</c>, namespaces
/// <c>…-{host}</c>). Disposing kills every process left in the namespaces and deletes the namespaces (their rules go with
/// them), the veths and the bridge; so does the test host's exit. A lab whose creator died without either (SIGKILL) is
/// removed by the next <see cref="CreateAsync"/>, which deletes every <c>shl…</c> name whose process is gone; labs of
/// processes still running are left alone.</para>
/// </remarks>
internal sealed partial class NetworkLab : IAsyncDisposable
{
    /// <summary>What every lab's names start with.</summary>
    public const string Prefix = "shl";

    private const string Table = "shoal_lab";
    private static int _sequence;

    private readonly string _id;
    private readonly string _subnet;
    private readonly List<string> _hosts;
    private readonly List<string> _created = [];
    private int _cleaned;

    private NetworkLab(string id, string subnet, IReadOnlyList<string> hosts)
    {
        _id = id;
        _subnet = subnet;
        _hosts = [.. hosts];
    }

    /// <summary>What this lab's names start with: the bridge, the veths and the namespaces.</summary>
    public string Id => _id;

    /// <summary>The test process's address on the bridge (<c>10.213.X.1</c>).</summary>
    public string BridgeAddress => _subnet + "1";

    /// <summary>The hosts, in the order given.</summary>
    public IReadOnlyList<string> Hosts => _hosts;

    /// <summary>Why no lab can be made here (not Linux, not root, <c>ip</c> or <c>nft</c> missing, namespaces refused), or null when one can.</summary>
    public static string? UnavailableReason()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "network namespaces, bridges and nftables rules need root (CI runs as root)";
        }

        foreach (var (command, package) in new[] { ("ip", "iproute2"), ("nft", "nftables") })
        {
            if (!OnPath(command))
            {
                return $"'{command}' is not on PATH (Debian package '{package}'; test.sh installs it)";
            }
        }

        var probe = $"{Prefix}{Environment.ProcessId}probe";
        var (code, error) = Run("ip", "netns", "add", probe);
        if (code != 0)
        {
            return $"'ip netns add' failed: {error.Trim()}";
        }

        Run("ip", "netns", "del", probe);
        return null;
    }

    /// <summary>Removes leftovers of dead test processes, then creates the bridge and one namespace per host (names: letters and digits, at most 16).</summary>
    public static async Task<NetworkLab> CreateAsync(IReadOnlyList<string> hosts)
    {
        if (hosts.Count is 0 or > 10 || hosts.Any(h => !HostName().IsMatch(h)) || hosts.Distinct().Count() != hosts.Count)
        {
            throw new ArgumentException($"hosts must be 1-10 distinct names of letters and digits: {string.Join(", ", hosts)}", nameof(hosts));
        }

        RemoveLeftovers();
        var id = $"{Prefix}{Environment.ProcessId}n{Interlocked.Increment(ref _sequence) % 16:x}";
        var lab = new NetworkLab(id, FreeSubnet(), hosts);
        AppDomain.CurrentDomain.ProcessExit += lab.OnProcessExit;
        try
        {
            await Task.Run(lab.Build);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>The address of <paramref name="host"/> on the bridge.</summary>
    public string Address(string host) => _subnet + (10 + Index(host)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts <paramref name="fileName"/> inside <paramref name="host"/>'s namespace (see <see cref="ChildProcess.Start"/>).</summary>
    public ChildProcess Start(string host, string name, string fileName, IEnumerable<string> arguments) =>
        ChildProcess.Start("ip", name, ["netns", "exec", Namespace(host), fileName, .. arguments]);

    /// <summary>Starts <c>shoal</c> inside <paramref name="host"/>'s namespace.</summary>
    public ChildProcess Start(string host, string name, ShoalLauncher shoal, IEnumerable<string> arguments) =>
        Start(host, name, shoal.FileName, [.. shoal.Prefix, .. arguments]);

    /// <summary>Drops every packet between <paramref name="host"/> and <paramref name="peers"/> (both ways), on top of earlier faults.</summary>
    public Task CutAsync(string host, params string[] peers) => AddRulesAsync(host, peers, "drop");

    /// <summary>Cuts <paramref name="host"/> from every other host and from the test process.</summary>
    public Task IsolateAsync(string host) =>
        AddRulesAsync(host, [.. _hosts.Where(h => h != host)], "drop", BridgeAddress);

    /// <summary>
    /// Drops <paramref name="lossPercent"/> % of the packets between <paramref name="host"/> and <paramref name="peers"/>, each
    /// packet on its own draw (loss only: no delay, see the remarks).
    /// </summary>
    public Task FlakyAsync(string host, int lossPercent, params string[] peers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lossPercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lossPercent, 100);
        // nft compares a draw of 0-99 with a bound of 0-99: all and nothing are said otherwise.
        return lossPercent switch
        {
            0 => Task.CompletedTask,
            100 => AddRulesAsync(host, peers, "drop"),
            _ => AddRulesAsync(host, peers, $"numgen random mod 100 < {lossPercent.ToString(CultureInfo.InvariantCulture)} drop"),
        };
    }

    /// <summary>Removes every fault of <paramref name="host"/>: its links work again.</summary>
    public Task HealAsync(string host) => Task.Run(() =>
    {
        Must("ip", "netns", "exec", Namespace(host), "nft", "flush", "chain", "inet", Table, "input");
        Must("ip", "netns", "exec", Namespace(host), "nft", "flush", "chain", "inet", Table, "output");
    });

    /// <summary>Kills what runs in the namespaces, deletes them, the veths and the bridge. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        await Task.Run(Clean);
    }

    private void OnProcessExit(object? sender, EventArgs e) => Clean();

    private void Build()
    {
        var bridge = _id + "b";
        _created.Add(bridge);
        Must("ip", "link", "add", bridge, "type", "bridge");
        Must("ip", "addr", "add", BridgeAddress + "/24", "dev", bridge);
        Must("ip", "link", "set", bridge, "up");
        foreach (var host in _hosts)
        {
            var ns = Namespace(host);
            var veth = $"{_id}v{Index(host).ToString(CultureInfo.InvariantCulture)}";
            _created.Add(ns);
            Must("ip", "netns", "add", ns);
            Must("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
            Must("ip", "link", "set", veth, "master", bridge, "up");
            Must("ip", "-n", ns, "addr", "add", Address(host) + "/24", "dev", "eth0");
            Must("ip", "-n", ns, "link", "set", "eth0", "up");
            Must("ip", "-n", ns, "link", "set", "lo", "up");
            Must("ip", "netns", "exec", ns, "nft", "add", "table", "inet", Table);
            Must("ip", "netns", "exec", ns, "nft", "add", "chain", "inet", Table, "input", "{ type filter hook input priority 0; policy accept; }");
            Must("ip", "netns", "exec", ns, "nft", "add", "chain", "inet", Table, "output", "{ type filter hook output priority 0; policy accept; }");
        }
    }

    private Task AddRulesAsync(string host, string[] peers, string verdict, params string[] extraAddresses)
    {
        var addresses = peers.Select(Address).Concat(extraAddresses).ToList();
        if (addresses.Count == 0)
        {
            throw new ArgumentException("name at least one peer", nameof(peers));
        }

        var set = "{ " + string.Join(", ", addresses) + " }";
        return Task.Run(() =>
        {
            Must("ip", "netns", "exec", Namespace(host), "nft", "add", "rule", "inet", Table, "input", $"ip saddr {set} {verdict}");
            Must("ip", "netns", "exec", Namespace(host), "nft", "add", "rule", "inet", Table, "output", $"ip daddr {set} {verdict}");
        });
    }

    private void Clean()
    {
        if (Interlocked.Exchange(ref _cleaned, 1) == 0)
        {
            Remove(_id);
        }
    }

    /// <summary>Kills the processes in every namespace of lab <paramref name="id"/>, deletes those namespaces, its veths and its bridge.</summary>
    private static void Remove(string id)
    {
        foreach (var ns in Names("ip", "netns", "list").Where(n => n.StartsWith(id + "-", StringComparison.Ordinal)))
        {
            foreach (var pid in Names("ip", "netns", "pids", ns))
            {
                try
                {
                    using var process = Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));
                    process.Kill();
                    process.WaitForExit(5_000);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or System.ComponentModel.Win32Exception)
                {
                    // Gone already.
                }
            }

            Run("ip", "netns", "del", ns);
        }

        foreach (var link in Names("ip", "-o", "link", "show").Where(l => l.StartsWith(id, StringComparison.Ordinal)))
        {
            Run("ip", "link", "del", link);
        }
    }

    /// <summary>Removes every lab whose creating process no longer runs.</summary>
    private static void RemoveLeftovers()
    {
        var names = Names("ip", "netns", "list").Concat(Names("ip", "-o", "link", "show"));
        foreach (var id in names.Select(n => LabId().Match(n)).Where(m => m.Success).Select(m => (Id: m.Value, Pid: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))).Distinct())
        {
            if (!Directory.Exists($"/proc/{id.Pid.ToString(CultureInfo.InvariantCulture)}"))
            {
                Remove(id.Id);
            }
        }
    }

    /// <summary>A 10.213.X. prefix no interface of this machine uses.</summary>
    private static string FreeSubnet()
    {
        var used = Names("ip", "-4", "-o", "addr", "show");
        var start = (Environment.ProcessId + _sequence) % 250;
        for (var i = 0; i < 250; i++)
        {
            var subnet = $"10.213.{((start + i) % 250) + 1}.";
            if (!used.Any(a => a.Contains(" " + subnet, StringComparison.Ordinal)))
            {
                return subnet;
            }
        }

        throw new InvalidOperationException("every 10.213.X.0/24 is in use on this machine");
    }

    private string Namespace(string host) => $"{_id}-{host}";

    private int Index(string host) =>
        _hosts.IndexOf(host) is var index and >= 0 ? index : throw new ArgumentException($"'{host}' is not a host of this lab ({string.Join(", ", _hosts)})", nameof(host));

    private static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, command)));

    /// <summary>The first word of each output line (for <c>ip -o link</c>, the interface name after the index).</summary>
    private static List<string> Names(params string[] command)
    {
        var (code, output) = Run(command);
        if (code != 0)
        {
            return [];
        }

        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => command.Contains("-o") && command.Contains("link")
                ? line.Split(':', 3)[1].Trim().Split('@')[0]
                : command.Contains("addr") ? line : line.Split(' ')[0])];
    }

    private static void Must(params string[] command)
    {
        var (code, output) = Run(command);
        if (code != 0)
        {
            throw new InvalidOperationException($"'{string.Join(' ', command)}' failed ({code}): {output.Trim()}");
        }
    }

    /// <summary>Runs a command to its end: its exit code and its stdout (or stderr, when it failed).</summary>
    private static (int Code, string Output) Run(params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, process.ExitCode == 0 ? output : error.Result + output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (127, e.Message);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9]{1,16}$")]
    private static partial Regex HostName();

    [GeneratedRegex(@"^shl(\d+)n[0-9a-z]")]
    private static partial Regex LabId();
}
