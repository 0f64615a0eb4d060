using Shoal.Tests.Engines;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>
/// Damage to a <c>file://</c> data directory between two runs of the built <c>shoal</c>, as an operator would meet it:
/// the verbs recover every acknowledged event and say what they repaired.
/// </summary>
public sealed class FileEngineDamageTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string Uri => "file://" + _directory.Path;

    [Trait("Category", "Integration")]
    [Fact]
    public async Task After_a_partition_s_commits_file_is_emptied_verify_finds_every_acknowledged_event()
    {
        var produced = await VerbRunner.RunProcessAsync("produce", "--engine", Uri, "--topic", "t", "--events", "20000", "--keys", "100", "--partitions", "2", "--json");
        Assert.True(produced.ExitCode == 0, produced.ToString());
        var commits = Path.Combine(_directory.Path, "topics", "t", "0", "commits");
        await File.WriteAllBytesAsync(commits, []);

        // No worker ran, so verify reports every event unprocessed; what matters is that none is missing from the log.
        var verify = await VerbRunner.RunProcessAsync("verify", "--engine", Uri, "--topic", "t", "--group", "g", "--wait", "0", "--json");

        Assert.Equal(20000, verify.Long("produced"));
        Assert.Equal(20000, verify.Long("acknowledged"));
        Assert.True(verify.Long("missingFromLog") == 0, verify.ToString());
        Assert.Contains(commits, verify.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("torn", verify.Err, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("never acknowledged", verify.Err, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();
}
