using Shoal.TestSupport.Network;
using Xunit;

namespace Shoal.Tests.Partitions;

/// <summary>
/// The partition tests' network (<see cref="NetworkLab"/>): hosts reach each other over the bridge, a cut or a link that
/// loses every packet stops a TCP connect, a heal restores it, and disposing leaves no namespace, link or process.
/// </summary>
[Collection(Engines.Nats.NatsFaultCollection.Name)]
public sealed class NetworkLabTests
{
    [Fact]
    [Trait("Category", "Integration")]
    [Trait("Category", "Partition")]
    public async Task Cuts_and_lossy_links_stop_connections_heals_restore_them_and_disposing_leaves_nothing()
    {
        if (NetworkLab.UnavailableReason() is { } reason)
        {
            Assert.Skip("Partition tests need network namespaces: " + reason);
        }

        var lab = await NetworkLab.CreateAsync(["a", "b", "c"]);
        int listener;
        await using (lab)
        {
            // nats-server (installed for the integration tests) as a TCP listener on a's address.
            var server = lab.Start("a", "listener", "nats-server", ["-a", lab.Address("a"), "-p", "4222"]);
            listener = server.Id;
            Assert.True(await ConnectsAsync(lab, "b", "a", TimeSpan.FromSeconds(20)), "b never reached a's listener: " + server);

            await lab.CutAsync("b", "a");
            Assert.False(await ConnectsAsync(lab, "b", "a", TimeSpan.Zero), "b reached a through a cut");
            Assert.True(await ConnectsAsync(lab, "c", "a", TimeSpan.Zero), "c lost a, which only b was cut from");

            await lab.HealAsync("b");
            Assert.True(await ConnectsAsync(lab, "b", "a", TimeSpan.FromSeconds(5)), "b did not reach a after the heal");

            await lab.FlakyAsync("a", 100, "c");
            Assert.False(await ConnectsAsync(lab, "c", "a", TimeSpan.Zero), "c reached a over a link losing every packet");
            await lab.HealAsync("a");

            await lab.IsolateAsync("a");
            Assert.False(await ConnectsAsync(lab, "b", "a", TimeSpan.Zero), "b reached an isolated a");
        }

        foreach (var listing in new[] { new[] { "netns", "list" }, ["-o", "link", "show"] })
        {
            await using var ip = Shoal.Hosting.Processes.ChildProcess.Start("ip", "ip", listing);
            await ip.WaitForExitAsync();
            Assert.DoesNotContain(ip.Lines, line => line.Contains(lab.Id, StringComparison.Ordinal));
        }

        Assert.False(File.Exists($"/proc/{listener}/status") && !File.ReadAllText($"/proc/{listener}/status").Contains("State:\tZ", StringComparison.Ordinal),
            $"the listener (pid {listener}) outlived the lab");
    }

    /// <summary>Whether a TCP connect from <paramref name="from"/> to port 4222 on <paramref name="to"/> succeeds within 2 s; retried until <paramref name="within"/>.</summary>
    private static async Task<bool> ConnectsAsync(NetworkLab lab, string from, string to, TimeSpan within)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using var probe = lab.Start(from, "probe", "timeout", ["2", "bash", "-c", $"exec 3<>/dev/tcp/{lab.Address(to)}/4222"]);
            if (await probe.WaitForExitAsync() == 0)
            {
                return true;
            }

            if (clock.Elapsed >= within)
            {
                return false;
            }

            await Task.Delay(200);
        }
    }
}
