using System.Text;
using BenchmarkDotNet.Attributes;
using FASTER.core;
using Shoal.Engine;
using Shoal.Engines.InProcess;

namespace Shoal.Benchmarks.FileEngine;

/// <summary>
/// Append throughput with flush before acknowledging: the durable engine against raw FasterLog in the same run,
/// same disk, same pattern. One operation is one event; an invocation is <see cref="Rounds"/> rounds in which each of
/// <see cref="Partitions"/> partitions appends a batch of <see cref="BatchSize"/> events and waits until they are
/// committed (the partitions in parallel, as the publisher does). Raw FasterLog enqueues the very bytes the engine
/// writes for such an event (its encoded record), so both write the same amount.
/// </summary>
[MemoryDiagnoser]
public class FileAppendBenchmarks
{
    private const int Rounds = 20;

    private string _directory = null!;
    private IShoalEngine _engine = null!;
    private (IDevice Device, FasterLog Log)[] _raw = null!;
    private (IDevice Device, FasterLog Log)[] _rawDefault = null!;
    private SlotCommitManager[] _slots = null!;
    private EventEnvelope[][] _batches = null!;
    private AppendedEvent[][] _results = null!;
    private byte[] _record = null!;

    [Params(12)]
    public int Partitions { get; set; }

    [Params(85)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _directory = Path.Combine(Path.GetTempPath(), "shoal-bench-" + Guid.NewGuid().ToString("N"));
        _engine = await Shoal.Engines.InProcess.FileEngine.OpenAsync(new FileEngineOptions { Directory = Path.Combine(_directory, "engine") });
        // Steady state: the engine keeps retained events in memory as well (reads are served from there), and with no
        // group committing, the default retention (1,000,000 per partition) would let the heap grow to gigabytes over the
        // run, so the measurement would be of the garbage collector's growing heap. 100,000 per partition keeps 1.2M
        // events, as retention or a consuming group does in real use; trimming is part of what is measured.
        await _engine.Log.CreateTopicAsync(new TopicOptions
        {
            Name = "bench",
            Partitions = Partitions,
            DeduplicationWindow = TimeSpan.Zero,
            Retention = RetentionOptions.Default with { MaxEventsPerPartition = 100_000 },
        });
        _batches = new EventEnvelope[Partitions][];
        _results = new AppendedEvent[Partitions][];
        for (var p = 0; p < Partitions; p++)
        {
            _batches[p] = [.. Enumerable.Range(0, BatchSize).Select(i => Event(p, i))];
            _results[p] = new AppendedEvent[BatchSize];
        }

        var buffer = new byte[256];
        var length = EventRecordCodec.Encode(Event(0, 0) with { Offset = 0 }, 0, ref buffer);
        _record = buffer[..length];
        var geometry = JournalGeometry.For(1 << 20);
        _slots = new SlotCommitManager[Partitions];
        _raw = [.. Enumerable.Range(0, Partitions).Select(p => OpenRaw(geometry, "raw", p, slots: true))];
        _rawDefault = [.. Enumerable.Range(0, Partitions).Select(p => OpenRaw(geometry, "raw-default", p, slots: false))];
    }

    /// <summary>A raw FasterLog with the engine's geometry: with the engine's commit manager, or FASTER's default (a file per commit).</summary>
    private (IDevice, FasterLog) OpenRaw(JournalGeometry geometry, string name, int partition, bool slots)
    {
        var directory = Path.Combine(_directory, name, partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        var device = Devices.CreateLogDevice(Path.Combine(directory, "log"), preallocateFile: false);
        var settings = new FasterLogSettings
        {
            LogDevice = device,
            PageSizeBits = geometry.PageBits,
            MemorySizeBits = geometry.MemoryBits,
            SegmentSizeBits = geometry.SegmentBits,
            AutoRefreshSafeTailAddress = false,
        };
        if (slots)
        {
            settings.LogCommitManager = _slots[partition] = new SlotCommitManager(Path.Combine(directory, "commits"));
        }
        else
        {
            settings.LogCommitDir = directory;
        }

        return (device, new FasterLog(settings));
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _engine.DisposeAsync();
        foreach (var (device, log) in _raw.Concat(_rawDefault))
        {
            log.Dispose();
            device.Dispose();
        }

        foreach (var slots in _slots)
        {
            slots.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Raw FasterLog with the engine's commit manager (the same flush policy and commit cost): the baseline.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = 12 * 85 * Rounds)]
    public Task RawFasterLog() => RawRoundsAsync(_raw);

    /// <summary>Raw FasterLog with FASTER's default commit manager (a new commit file per commit).</summary>
    [Benchmark(OperationsPerInvoke = 12 * 85 * Rounds)]
    public Task RawFasterLogDefaultCommits() => RawRoundsAsync(_rawDefault);

    private async Task RawRoundsAsync((IDevice Device, FasterLog Log)[] logs)
    {
        var commits = new Task[Partitions];
        for (var round = 0; round < Rounds; round++)
        {
            for (var p = 0; p < Partitions; p++)
            {
                commits[p] = RawAppendAsync(logs[p].Log).AsTask();
            }

            await Task.WhenAll(commits);
        }
    }

    [Benchmark(OperationsPerInvoke = 12 * 85 * Rounds)]
    public async Task FileEngineAppend()
    {
        var appends = new Task[Partitions];
        for (var round = 0; round < Rounds; round++)
        {
            for (var p = 0; p < Partitions; p++)
            {
                appends[p] = _engine.Log.AppendAsync("bench", p, _batches[p], _results[p]).AsTask();
            }

            await Task.WhenAll(appends);
        }
    }

    private async ValueTask RawAppendAsync(FasterLog log)
    {
        for (var i = 0; i < BatchSize; i++)
        {
            log.Enqueue(_record);
        }

        var tail = log.TailAddress;
        log.Commit(spinWait: false);
        await log.WaitForCommitAsync(tail);
    }

    private static EventEnvelope Event(int partition, int i) =>
        new(Guid.NewGuid().ToString("N"), "bench", $"key-{partition}-{i}", "bench.event", Encoding.UTF8.GetBytes(new string('x', 64)))
        {
            Timestamp = DateTimeOffset.UnixEpoch,
        };
}
