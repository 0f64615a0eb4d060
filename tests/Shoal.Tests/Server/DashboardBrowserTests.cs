using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Shoal.Tests.Cluster;
using Xunit;

namespace Shoal.Tests.Server;

/// <summary>
/// A real browser (Debian's chromium, driven by Playwright) on the dashboard of a running 3-member cluster. The members
/// are <see cref="Shoal.Cluster.ClusterMember"/>s in this process on one in-process engine, which the server reads too;
/// a crash is <see cref="Shoal.Cluster.ClusterMember.AbandonAsync"/> (no hand-over: its leases expire after the TTL).
/// </summary>
[Collection(ClusterHarness.Collection)]
[Trait("Category", "Slow")]
public sealed class DashboardBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private const int Partitions = 6;

    [Fact]
    public async Task The_dashboard_shows_every_partitions_owner_and_the_map_changes_when_a_member_crashes()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package (./test.sh does).");
        await using var cluster = new ClusterHarness(Partitions, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1_000));
        var nodes = new List<ClusterHarness.Node>();
        foreach (var id in new[] { "node-a", "node-b", "node-c" })
        {
            nodes.Add(await cluster.StartNodeAsync(id));
        }

        await cluster.BalancedAsync(nodes);
        await using var host = await ServerHost.StartAsync(
            cluster.Engine,
            options: o => o with { SessionTtl = cluster.Cluster.SessionTtl, StatusInterval = TimeSpan.FromMilliseconds(250) },
            services: s => nodes.ForEach(n => s.AddSingleton(n.Member)));
        await cluster.PublishAsync(keys: 40, perKey: 25);
        using var producing = new CancellationTokenSource();
        var producer = ProduceAsync(cluster, producing.Token); // a steady trickle, so the charts show throughput

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await page.GotoAsync(host.BaseAddress.ToString());

        var tiles = page.Locator($"[data-topic='{ClusterHarness.Topic}'] [data-partition]");
        await Assertions.Expect(tiles).ToHaveCountAsync(Partitions, new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator($"[data-topic='{ClusterHarness.Topic}'] .unowned")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        var before = await OwnersAsync(tiles);
        Assert.All(before.Values, owner => Assert.Matches("^node-[abc]$", owner));
        Assert.Equal(3, before.Values.Distinct().Count());
        await Assertions.Expect(page.Locator("[data-member]")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#status")).ToHaveClassAsync(new Regex("live"));
        await page.WaitForTimeoutAsync(1_500); // a few snapshots, so the charts have lines
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ArtifactPath("dashboard.png"), FullPage = true });

        var crashed = nodes[1];
        await crashed.Member.AbandonAsync();
        var survivors = new[] { nodes[0], nodes[2] };
        await cluster.BalancedAsync(survivors);

        // The map follows: no partition stays with the crashed member, and every one has a surviving owner again.
        await Assertions.Expect(page.Locator($"[data-topic='{ClusterHarness.Topic}'] [data-owner='{crashed.Id}']")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator($"[data-topic='{ClusterHarness.Topic}'] .unowned")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        var after = await OwnersAsync(tiles);
        Assert.All(after.Values, owner => Assert.Matches("^node-[ac]$", owner));
        Assert.NotEqual(before, after);
        await Assertions.Expect(page.Locator($"[data-member='{crashed.Id}'] .badge")).ToHaveTextAsync("dead", new() { Timeout = 15_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ArtifactPath("dashboard-after-crash.png"), FullPage = true });

        await producing.CancelAsync();
        await producer;

        // The takeover is in the metrics too: the survivors took leases over from an expired owner.
        var metrics = await host.Client.GetStringAsync("/metrics");
        Assert.Matches(new Regex("""shoal_cluster_failover_duration_\w*count\{[^}]*shoal_group="billing"[^}]*\} [1-9]"""), metrics);
        Assert.Matches(new Regex("""shoal_cluster_lease_changes_total\{[^}]*shoal_change="acquired"""), metrics);
        Assert.Matches(new Regex("""shoal_cluster_rebalances_total\{[^}]*shoal_group="billing"""), metrics);
    }

    private static async Task ProduceAsync(ClusterHarness cluster, CancellationToken cancellationToken)
    {
        for (var round = 1; !cancellationToken.IsCancellationRequested; round++)
        {
            await cluster.PublishAsync(keys: 40, perKey: 1 + (round % 4), from: 25 + (round * 4));
            try
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<Dictionary<int, string>> OwnersAsync(ILocator tiles)
    {
        var owners = new Dictionary<int, string>();
        foreach (var tile in await tiles.AllAsync())
        {
            owners[int.Parse((await tile.GetAttributeAsync("data-partition"))!, System.Globalization.CultureInfo.InvariantCulture)] = (await tile.GetAttributeAsync("data-owner"))!;
        }

        return owners;
    }

    /// <summary>Screenshots go to TestResults/ at the repository root (kept by CI as artifacts).</summary>
    private static string ArtifactPath(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Shoal.sln")))
        {
            directory = directory.Parent;
        }

        var results = Path.Combine(directory?.FullName ?? Path.GetTempPath(), "TestResults");
        Directory.CreateDirectory(results);
        return Path.Combine(results, name);
    }
}
