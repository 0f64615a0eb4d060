using System.Diagnostics;
using System.Net;
using Shoal.Hosting.Processes;
using Shoal.TestSupport;
using Xunit;

namespace Shoal.Tests.Hosting;

/// <summary>Runs samples/Shoal.Samples.Worker as a user would and probes its health endpoints.</summary>
public sealed class WorkerSampleTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    [Trait("Category", "Integration")]
    public async Task The_worker_sample_handles_its_orders_and_answers_its_health_endpoints()
    {
        var sample = Path.Combine(RepositoryRoot.Find(), "samples", "Shoal.Samples.Worker");
        // Built with this test project (a project reference), in the same configuration.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.Combine(sample, "bin", configuration, "net10.0", "Shoal.Samples.Worker.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build samples/Shoal.Samples.Worker -c {configuration}.");

        await using var worker = ChildProcess.Start("dotnet", "worker sample", [dll, "--urls", "http://127.0.0.1:0", "--contentRoot", sample],
            environment: new Dictionary<string, string?> { ["DOTNET_ENVIRONMENT"] = "Production", ["Shoal__Groups__billing__MaxConcurrency"] = "4" });
        var listening = await worker.WaitForLineAsync(l => l.Contains("Now listening on: ", StringComparison.Ordinal), "the listening address", Deadline);
        var address = new Uri(listening[(listening.IndexOf("http", StringComparison.Ordinal))..].Trim());

        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        var live = await http.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, await ReadyAsync(http));

        // The configured group runs the handler added in code.
        await worker.WaitForLineAsync(l => l.Contains("Published 300 orders", StringComparison.Ordinal), "the producer's last line", Deadline);
        await worker.WaitForLineAsync(l => l.Contains("Billed order", StringComparison.Ordinal), "a handled order", Deadline);
        Assert.Equal(0, await worker.TerminateAsync(Deadline));
    }

    /// <summary>The readiness status, once it is 200 or the deadline passes (the engine opens as the host starts).</summary>
    private static async Task<HttpStatusCode> ReadyAsync(HttpClient http)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode;
            if (status == HttpStatusCode.OK || clock.Elapsed > Deadline)
            {
                return status;
            }

            await Task.Delay(50);
        }
    }
}
