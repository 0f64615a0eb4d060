using System.Diagnostics;
using System.Text;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Xunit;

namespace Shoal.Tests.Engines;

/// <summary>
/// A full disk and a read-only directory, made real with small tmpfs mounts (the tests run as root, as CI does; they
/// fail, saying so, where mounting is not permitted).
/// </summary>
[Trait("Category", "Integration")]
[Trait("Category", "Slow")]
public sealed class FileEngineDiskTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private bool _mounted;

    [Fact]
    public async Task A_full_disk_gives_a_clear_error_and_loses_no_acknowledged_event()
    {
        Mount("size=3m");
        var acknowledged = 0;
        EngineException? error = null;
        var payload = new byte[1000];
        var engine = await FileEngine.OpenAsync(new FileEngineOptions { Directory = _directory.Path, MaxEventBytes = 64 * 1024 });
        try
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1, Retention = new RetentionOptions { TrimCommitted = false } });
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (error is null)
            {
                var batch = Enumerable.Range(acknowledged, 100).Select(n => new EventEnvelope($"id-{n}", "t", "k", "test", payload)).ToArray();
                try
                {
                    await engine.Log.AppendAsync("t", 0, batch, new AppendedEvent[batch.Length], deadline.Token);
                    acknowledged += batch.Length;
                }
                catch (EngineException e)
                {
                    error = e;
                }
            }

            Assert.Contains("partition 0 of topic 't' failed", error.Message, StringComparison.Ordinal);
            Assert.True(error.Message.Contains("is full", StringComparison.Ordinal), error.Message);
            var again = await Assert.ThrowsAsync<EngineException>(() => engine.Log.AppendAsync("t", 0, new[] { new EventEnvelope("late", "t", "k", "test", payload) }, new AppendedEvent[1]).AsTask());
            Assert.Contains("stopped accepting writes", again.Message, StringComparison.Ordinal);
        }
        finally
        {
            try
            {
                await engine.DisposeAsync();
            }
            catch (EngineException)
            {
                // Closing cannot commit on a full disk either; what was acknowledged is already durable.
            }
        }

        Assert.True(acknowledged > 0, "some appends should fit before the disk is full");
        Run("mount", "-o", "remount,size=64m", _directory.Path);
        IShoalEngine reopenedEngine;
        try
        {
            reopenedEngine = await FileEngine.OpenAsync(new FileEngineOptions { Directory = _directory.Path, MaxEventBytes = 64 * 1024 });
        }
        catch (EngineException e)
        {
            throw new InvalidOperationException($"acknowledged {acknowledged}; first error: {error?.Message}", e);
        }

        await using var reopened = reopenedEngine;
        var offsets = await reopened.Log.GetOffsetsAsync("t", 0);
        Assert.Equal(0, offsets.Start);
        Assert.True(offsets.End >= acknowledged, $"{acknowledged} events were acknowledged but only {offsets.End} survived");
        var buffer = new EventEnvelope[acknowledged];
        var read = 0;
        while (read < acknowledged)
        {
            read += await reopened.Log.ReadAsync("t", 0, read, buffer.AsMemory(read));
        }

        Assert.Equal(Enumerable.Range(0, acknowledged).Select(n => $"id-{n}"), buffer.Select(e => e.Id));
    }

    [Fact]
    public async Task A_read_only_directory_gives_a_clear_error_naming_it()
    {
        Mount("ro,size=1m");

        var error = await Assert.ThrowsAsync<EngineException>(async () => await FileEngine.OpenAsync(new FileEngineOptions { Directory = _directory.Path }));

        Assert.Contains(_directory.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("Read-only file system", error.Message, StringComparison.Ordinal);
    }

    private void Mount(string options)
    {
        Run("mount", "-t", "tmpfs", "-o", options, "tmpfs", _directory.Path);
        _mounted = true;
    }

    private static void Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"'{file} {string.Join(' ', arguments)}' failed ({stderr.Trim()}); these tests need permission to mount tmpfs (root, as in CI).");
    }

    public void Dispose()
    {
        if (_mounted)
        {
            Run("umount", _directory.Path);
        }

        _directory.Dispose();
    }
}
