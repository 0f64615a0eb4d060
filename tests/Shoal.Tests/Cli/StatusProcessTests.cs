using Shoal.Tests.Engines;
using Shoal.TestSupport;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>
/// <c>shoal status</c> judges each member by the session TTL it runs with: a worker with <c>--session-ttl 1s</c> killed
/// with SIGKILL is shown dead within seconds, although status itself assumes 30 s for records that carry no TTL.
/// Real processes on a <c>file://</c> directory (a SIGKILLed worker releases it at once).
/// </summary>
[Trait("Category", "Slow")]
public sealed class StatusProcessTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string Uri => "file://" + _directory.Path;

    [Trait("Category", "Integration")]
    [Fact]
    public async Task A_worker_killed_with_sigkill_is_shown_dead_once_its_own_session_ttl_has_passed()
    {
        var produced = await VerbRunner.RunProcessAsync("produce", "--engine", Uri, "--topic", "t", "--events", "100", "--keys", "10", "--partitions", "2", "--json");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        await using (var worker = VerbRunner.StartProcess("w1", "worker", "--engine", Uri, "--topic", "t", "--group", "g", "--handler", "noop",
            "--member-id", "w1", "--heartbeat", "200ms", "--session-ttl", "1s"))
        {
            await worker.WaitForLineAsync(l => l.StartsWith("owns partitions", StringComparison.Ordinal) && !l.EndsWith("none", StringComparison.Ordinal), "w1 owning partitions", TimeSpan.FromSeconds(60));
            await worker.KillAsync();
        }

        // Its record is now at most 200 ms old; 1 s later it is past the member's own TTL.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var status = await VerbRunner.RunProcessAsync("status", "--engine", Uri, "--group", "g", "--sample", "0", "--json");

        Assert.True(status.ExitCode == 0, status.ToString());
        var member = status.Json().GetProperty("groups")[0].GetProperty("members")[0];
        Assert.Equal("w1", member.GetProperty("memberId").GetString());
        Assert.True(member.GetProperty("health").GetString() == "dead", status.ToString());
        Assert.Equal(1000, member.GetProperty("sessionTtlMs").GetInt64());
        Assert.True(member.GetProperty("heartbeatAgeMs").GetInt64() >= 1000, status.ToString());
        Assert.Empty(member.GetProperty("owned").EnumerateArray());

        var text = await VerbRunner.RunProcessAsync("status", "--engine", Uri, "--group", "g", "--sample", "0");
        Assert.Contains("w1", text.Out, StringComparison.Ordinal);
        Assert.Contains("dead", text.Out, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();
}
