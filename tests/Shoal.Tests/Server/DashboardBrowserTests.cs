using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Shoal.Cli.Infrastructure;
using Shoal.Hosting.Processes;
using Shoal.Scenarios.Nats;
using Shoal.Tests.Cli;
using Shoal.Tests.Cluster;
using Shoal.TestSupport;
using Xunit;

namespace Shoal.Tests.Server;

/// <summary>
/// A real browser (Debian's chromium, driven by Playwright) on the dashboard of a real 3-worker cluster: a loopback
/// <c>nats-server</c>, a topic produced with <c>shoal produce</c>, three <c>shoal worker</c> processes and
/// <c>shoal serve</c> as processes of their own, all on <c>nats://</c>. A crash is SIGKILL of one worker process.
/// Every process is killed (by pid, with its tree) when the test ends, also when it fails.
/// </summary>
[Collection(ClusterHarness.Collection)] // real-time clusters (a 1 s session TTL) run alone, not against other tests
[Trait("Category", "Slow")]
[Trait("Category", "Browser")]
public sealed class DashboardBrowserTests(ITestOutputHelper log)
{
    private const string Chromium = "/usr/bin/chromium";
    private const string Topic = "orders";
    private const string Group = "billing";
    private const int Partitions = 6;
    private static readonly string[] Workers = ["worker-a", "worker-b", "worker-c"];

    /// <summary>Every tile of the topic's map has an owner among <c>ids</c>, and every one of <c>ids</c> owns one.</summary>
    private const string OwnedByExactly = """
        ([topic, partitions, ids]) => {
          const owners = [...document.querySelectorAll(`[data-topic='${topic}'] [data-partition]`)].map(t => t.dataset.owner);
          return owners.length === partitions && owners.every(o => ids.includes(o)) && new Set(owners).size === ids.length;
        }
        """;

    [Fact]
    public async Task The_dashboard_of_worker_processes_shows_every_partitions_owner_and_the_map_changes_when_a_worker_is_killed()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package (./test.sh does).");
        var clock = Stopwatch.StartNew();
        await using var nats = await LocalNatsCluster.StartAsync();
        var engine = nats.Urls[0];
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var processes = new List<ChildProcess>();
        try
        {
            // The server first: it starts while the topic is produced (it shows no group until the workers join).
            var serve = VerbRunner.StartProcess(
                "serve", "serve", "--engine", engine, "--urls", "http://127.0.0.1:0", "--session-ttl", "1s", "--status-interval", "500ms", "--json");
            processes.Add(serve);
            var produced = await VerbRunner.RunProcessAsync(
                "produce", "--engine", engine, "--topic", Topic, "--partitions", P(Partitions), "--events", "400", "--keys", "40", "--json");
            Assert.True(produced.ExitCode == 0, produced.ToString());
            Assert.Equal(400, produced.Long("acknowledged"));

            var workers = new Dictionary<string, ChildProcess>();
            foreach (var id in Workers)
            {
                processes.Add(workers[id] = VerbRunner.StartProcess(
                    "worker " + id,
                    "worker", "--engine", engine, "--topic", Topic, "--group", Group, "--handler", "noop", "--member-id", id,
                    "--heartbeat", "200ms", "--session-ttl", "1s"));
            }

            // A steady trickle, so the charts show throughput before and after the crash.
            processes.Add(VerbRunner.StartProcess(
                "producer", "produce", "--engine", engine, "--topic", Topic, "--events", "1000000", "--keys", "40", "--rate", "200"));
            var started = await serve.WaitForLineAsync(l => l.StartsWith('{') && l.Contains("\"urls\"", StringComparison.Ordinal), "--json start line", TimeSpan.FromSeconds(30));
            using var startLine = JsonDocument.Parse(started);
            var url = startLine.RootElement.GetProperty("urls")[0].GetString()!;
            log.WriteLine($"{clock.Elapsed.TotalSeconds:0.0}s: serve listens on {url}");

            await page.GotoAsync(url + "/");

            // Every partition shows an owner, and the three workers share them.
            await UntilMapAsync(page, Workers, "every partition owned by one of the 3 workers, each owning some", TimeSpan.FromSeconds(30));
            log.WriteLine($"{clock.Elapsed.TotalSeconds:0.0}s: balanced over 3 workers");
            var tiles = page.Locator($"[data-topic='{Topic}'] [data-partition]");
            await Assertions.Expect(page.Locator($"[data-topic='{Topic}'] .unowned")).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("[data-member] .badge:not(.dead)")).ToHaveCountAsync(3, new() { Timeout = 10_000 });
            await Assertions.Expect(page.Locator("#status")).ToHaveClassAsync(new Regex("live"));
            var before = await MapAsync(tiles);
            await page.WaitForTimeoutAsync(2_000); // a few more snapshots, so the charts have lines
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = ArtifactPath("dashboard.png"), FullPage = true });

            // Crash: SIGKILL one worker process. No hand-over: its leases expire after the session TTL.
            var crashed = Workers[1];
            var survivors = Workers.Where(w => w != crashed).ToArray();
            var moved = before.Where(p => p.Value.Owner == crashed).Select(p => p.Key).ToList();
            Assert.NotEmpty(moved);
            await workers[crashed].KillAsync();
            var killedAt = clock.Elapsed;
            log.WriteLine($"{killedAt.TotalSeconds:0.0}s: killed {crashed} (pid {workers[crashed].Id}), which owned partitions {string.Join(",", moved)}");

            // The map follows: the survivors own every partition, and the crashed worker is shown dead or is gone.
            await UntilMapAsync(page, survivors, $"every partition owned by {string.Join(" or ", survivors)}", TimeSpan.FromSeconds(20));
            await Assertions.Expect(page.Locator($"[data-member='{crashed}']:not(:has(.badge.dead))")).ToHaveCountAsync(0, new() { Timeout = 10_000 });
            log.WriteLine($"{clock.Elapsed.TotalSeconds:0.0}s: map moved to the survivors {(clock.Elapsed - killedAt).TotalSeconds:0.0}s after the kill");
            var after = await MapAsync(tiles);
            Assert.DoesNotContain(after.Values, p => p.Owner == crashed);
            foreach (var partition in moved)
            {
                // A takeover is a new ownership: the epoch (the fencing token) went up.
                Assert.True(after[partition].Epoch > before[partition].Epoch, $"partition {partition}: epoch {before[partition].Epoch} → {after[partition].Epoch}");
            }

            await Assertions.Expect(page.Locator("[data-member] .badge:not(.dead)")).ToHaveCountAsync(2, new() { Timeout = 10_000 });
            await page.WaitForTimeoutAsync(1_500); // the charts continue past the crash
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = ArtifactPath("dashboard-after-crash.png"), FullPage = true });
            Assert.All(processes.Where(p => p != workers[crashed]), p => Assert.False(p.HasExited, p.ToString()));
        }
        catch
        {
            // What the page showed when the test failed, beside the other screenshots (best effort: the failure matters).
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = ArtifactPath("dashboard-failed.png"), FullPage = true, Timeout = 5_000 })
                .ContinueWith(static _ => { }, TaskScheduler.Default);
            throw;
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
                log.WriteLine(process.ToString());
            }

            log.WriteLine($"{clock.Elapsed.TotalSeconds:0.0}s: done");
        }
    }

    /// <summary>Waits until the page's map is owned by exactly <paramref name="owners"/>; on timeout says what it shows.</summary>
    private static async Task UntilMapAsync(IPage page, string[] owners, string what, TimeSpan timeout)
    {
        try
        {
            await page.WaitForFunctionAsync(OwnedByExactly, new object[] { Topic, Partitions, owners }, new() { Timeout = (float)timeout.TotalMilliseconds, PollingInterval = 100 });
        }
        catch (TimeoutException)
        {
            var tiles = await MapAsync(page.Locator($"[data-topic='{Topic}'] [data-partition]"));
            var members = await page.Locator("[data-member]").AllInnerTextsAsync();
            throw new TimeoutException(
                $"The dashboard did not show {what} within {timeout.TotalSeconds:0}s. Status: {await page.Locator("#status").InnerTextAsync()}. " +
                $"Map: {string.Join(", ", tiles.Select(t => $"P{t.Key}={t.Value.Owner}@{t.Value.Epoch}"))}. Members: {string.Join(" | ", members)}");
        }
    }

    private static async Task<Dictionary<int, (string Owner, long Epoch)>> MapAsync(ILocator tiles)
    {
        var map = new Dictionary<int, (string, long)>();
        foreach (var tile in await tiles.AllAsync())
        {
            var partition = int.Parse((await tile.GetAttributeAsync("data-partition"))!, CultureInfo.InvariantCulture);
            map[partition] = ((await tile.GetAttributeAsync("data-owner"))!, long.Parse((await tile.GetAttributeAsync("data-epoch"))!, CultureInfo.InvariantCulture));
        }

        return map;
    }

    private static string P(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Screenshots go to TestResults/ at the repository root (kept by CI as artifacts).</summary>
    private static string ArtifactPath(string name)
    {
        var results = Path.Combine(RepositoryRoot.TryFind() ?? Path.GetTempPath(), "TestResults");
        Directory.CreateDirectory(results);
        return Path.Combine(results, name);
    }
}
