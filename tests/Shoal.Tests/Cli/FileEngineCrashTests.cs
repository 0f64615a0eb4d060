using System.Diagnostics;
using System.Text.Json;
using Shoal.Cli.Infrastructure;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Shoal.Hosting.Processes;
using Shoal.Tests.Engines;
using Shoal.TestSupport;
using Xunit;

namespace Shoal.Tests.Cli;

/// <summary>
/// The durable engine under SIGKILL, with real processes: the built <c>shoal.dll</c> run with <c>dotnet</c> on a
/// <c>file://</c> data directory, killed with <see cref="ChildProcess.KillAsync"/> (SIGKILL), then restarted. One
/// process owns the directory at a time, so the steps take turns: the test never opens it while a child runs.
/// </summary>
[Trait("Category", "Slow")]
public sealed class FileEngineCrashTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string Uri => "file://" + _directory.Path;

    [Trait("Category", "Integration")]
    [Fact]
    public async Task SIGKILL_mid_publish_keeps_every_acknowledged_event_in_order()
    {
        const int keys = 50;
        await using (var producer = VerbRunner.StartProcess("producer", "produce", "--engine", Uri, "--topic", "t", "--events", "50000000", "--keys", keys.ToString(Culture), "--partitions", "4"))
        {
            // Let it publish for a while (its run record is rewritten every 250 ms), then kill it mid-batch.
            await WaitForAsync(() => JournalBytes("t") > 2_000_000, producer, "the producer to write 2 MB");

            // On a fast machine 2 MB go out before the first 250 ms rewrite of the run record (acknowledged 0 then):
            // give it three rewrites, so the record has an acknowledged count to check.
            await Task.Delay(TimeSpan.FromMilliseconds(750));
            await producer.KillAsync();
        }

        await using var engine = await FileEngine.OpenAsync(new FileEngineOptions { Directory = _directory.Path });
        var run = (await engine.Coordination.GetAsync("shoal/produce/t/00000000"))!.Value;
        using var record = JsonDocument.Parse(run.Value);
        var acknowledged = record.RootElement.GetProperty("acknowledged").GetInt64();
        Assert.True(acknowledged > 0, "the producer recorded no acknowledged event before the kill");

        // Every key's sequences appear in offset order, without gaps, and every acknowledged event is there.
        var highest = new long[keys];
        Array.Fill(highest, -1);
        long events = 0;
        for (var p = 0; p < 4; p++)
        {
            foreach (var e in await ReadPartitionAsync(engine, "t", p))
            {
                using var payload = JsonDocument.Parse(e.Payload);
                var key = int.Parse(payload.RootElement.GetProperty("key").GetString()!["key-".Length..], Culture);
                var seq = payload.RootElement.GetProperty("seq").GetInt64();
                Assert.True(seq == highest[key] + 1, $"key-{key}: sequence {seq} at offset {e.Offset} of partition {p} follows {highest[key]}");
                highest[key] = seq;
                events++;
            }
        }

        for (long n = 0; n < acknowledged; n++)
        {
            Assert.True(highest[n % keys] >= n / keys, $"acknowledged event {n} (key-{n % keys}, seq {n / keys}) is missing after the restart");
        }

        Assert.True(events >= acknowledged);
    }

    [Trait("Category", "Integration")]
    [Fact]
    public async Task SIGKILL_mid_processing_resumes_from_the_committed_offset_with_nothing_lost_or_reordered()
    {
        const int events = 40_000;
        var produced = await VerbRunner.RunProcessAsync("produce", "--engine", Uri, "--topic", "t", "--events", events.ToString(Culture), "--keys", "200", "--partitions", "4", "--json");
        Assert.True(produced.ExitCode == 0, produced.ToString());

        var worker = new[] { "worker", "--engine", Uri, "--topic", "t", "--group", "g", "--handler", "verify", "--heartbeat", "200ms", "--session-ttl", "1s" };
        await using (var first = VerbRunner.StartProcess("w1", [.. worker, "--member-id", "w1"]))
        {
            await WaitForAsync(() => JournalBytes("t.g.handled") > 1_500_000, first, "the first worker to record some events");
            await first.KillAsync();
        }

        // What the crashed owner committed: the new owner must start there.
        var afterKill = await VerbRunner.RunProcessAsync("status", "--engine", Uri, "--group", "g", "--json");
        Assert.True(afterKill.ExitCode == 0, afterKill.ToString());
        var committed = Committed(afterKill);
        Assert.True(committed.Values.Sum() < events, "the first worker finished before it was killed; nothing was tested");

        // A new worker, started and stopped (SIGTERM: hand-over) until the group has caught up. Each runs 2 s once it
        // owns partitions: a stop starts no further event, so a fixed time from the process start could pass, on a
        // loaded machine, before the worker handled anything.
        for (var attempt = 0; ; attempt++)
        {
            Assert.True(attempt < 20, "the group did not catch up");
            await using (var next = VerbRunner.StartProcess("w2", [.. worker, "--member-id", "w2"]))
            {
                await next.WaitForLineAsync(
                    l => l.StartsWith("owns partitions", StringComparison.Ordinal) && !l.EndsWith("none", StringComparison.Ordinal),
                    "w2 owning partitions", TimeSpan.FromSeconds(60));
                await Task.Delay(TimeSpan.FromSeconds(2));
                await next.TerminateAsync(TimeSpan.FromSeconds(45));
            }

            var status = await VerbRunner.RunProcessAsync("status", "--engine", Uri, "--group", "g", "--json");
            if (status.Json().GetProperty("groups")[0].GetProperty("lag").GetInt64() == 0)
            {
                break;
            }
        }

        var verify = await VerbRunner.RunProcessAsync("verify", "--engine", Uri, "--topic", "t", "--group", "g", "--wait", "0", "--json");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Equal(events, verify.Long("produced"));
        Assert.Equal(0, verify.Long("lost"));
        Assert.Equal(0, verify.Long("orderViolations"));

        // Duplicates are redeliveries of what the killed worker handled past its last commit, and nothing more.
        await using var engine = await FileEngine.OpenAsync(new FileEngineOptions { Directory = _directory.Path });
        long inFlightWindow = 0;
        for (var p = 0; p < 4; p++)
        {
            var handledPastCommit = new HashSet<long>();
            foreach (var e in await ReadPartitionAsync(engine, "t.g.handled", p))
            {
                using var handled = JsonDocument.Parse(e.Payload);
                var offset = handled.RootElement.GetProperty("offset").GetInt64();
                if (handled.RootElement.GetProperty("member").GetString() == "w1" && offset >= committed.GetValueOrDefault(p))
                {
                    handledPastCommit.Add(offset);
                }
            }

            inFlightWindow += handledPastCommit.Count;
        }

        var duplicates = verify.Long("duplicates");
        Assert.True(duplicates <= inFlightWindow, $"{duplicates} duplicates, but the killed worker handled only {inFlightWindow} events past its commits");
    }

    private static readonly System.Globalization.CultureInfo Culture = System.Globalization.CultureInfo.InvariantCulture;

    private static Dictionary<int, long> Committed(VerbResult status)
    {
        var committed = new Dictionary<int, long>();
        foreach (var partition in status.Json().GetProperty("groups")[0].GetProperty("partitions").EnumerateArray())
        {
            if (partition.GetProperty("committed").ValueKind == JsonValueKind.Number)
            {
                committed[partition.GetProperty("partition").GetInt32()] = partition.GetProperty("committed").GetInt64();
            }
        }

        return committed;
    }

    private long JournalBytes(string topic)
    {
        var directory = Path.Combine(_directory.Path, "topics", topic);
        return Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "log.*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;
    }

    private static async Task WaitForAsync(Func<bool> condition, ChildProcess process, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                Assert.Fail($"{(process.HasExited ? "the process ended" : "timed out")} while waiting for {what}:\n{process}");
            }

            await Task.Delay(20);
        }
    }

    private static async Task<List<EventEnvelope>> ReadPartitionAsync(IShoalEngine engine, string topic, int partition)
    {
        var offsets = await engine.Log.GetOffsetsAsync(topic, partition);
        var events = new List<EventEnvelope>();
        var buffer = new EventEnvelope[1024];
        var next = offsets.Start;
        while (next < offsets.End)
        {
            var read = await engine.Log.ReadAsync(topic, partition, next, buffer);
            events.AddRange(buffer.Take(read).Select(e => e with { Payload = e.Payload.ToArray() }));
            next = buffer[read - 1].Offset + 1;
        }

        return events;
    }

    public void Dispose() => _directory.Dispose();
}
