using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Shoal.Engine;

namespace Shoal.Engines.InProcess;

/// <summary>
/// The durable engine: the in-process event log and coordination store, each backed by files in the data directory.
/// Reads are served from memory; the files are written on every change and read back only at start-up.
/// </summary>
internal sealed class FileShoalEngine : IShoalEngine
{
    private readonly DataDirectoryLock _lock;
    private readonly CoordinationFiles _coordinationFiles;
    private readonly InProcessCoordinationStore _store;
    private readonly DurableStorage _storage;
    private readonly InProcessEventLog _log;
    private readonly FileEngineOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _flushLoop;
    private int _disposed;

    private FileShoalEngine(
        string name, DataDirectoryLock directoryLock, CoordinationFiles coordinationFiles, InProcessCoordinationStore store,
        DurableStorage storage, InProcessEventLog log, FileEngineOptions options)
    {
        Name = name;
        _lock = directoryLock;
        _coordinationFiles = coordinationFiles;
        _store = store;
        _storage = storage;
        _log = log;
        _options = options;
        _flushLoop = options.Durability == FileDurability.Interval ? FlushLoopAsync() : Task.CompletedTask;
    }

    public string Name { get; }

    public IEventLog Log => _log;

    public ICoordinationStore Coordination => _store;

    /// <summary>Opens the directory with validated options; releases everything taken when a step fails.</summary>
    public static async ValueTask<FileShoalEngine> OpenAsync(FileEngineOptions options)
    {
        var directory = Path.GetFullPath(options.Directory);
        var name = "file://" + directory;
        var logger = options.LoggerFactory.CreateLogger("Shoal.Engines.File");
        var started = Stopwatch.GetTimestamp();
        var directoryLock = DataDirectoryLock.Acquire(directory, name);
        CoordinationFiles? coordinationFiles = null;
        DurableStorage? storage = null;
        try
        {
            var journal = new DeferredJournal();
            var store = new InProcessCoordinationStore(journal);
            try
            {
                coordinationFiles = CoordinationFiles.Open(Path.Combine(directory, "coordination"), store, out var torn);
                if (torn > 0)
                {
                    InProcess.DurableLogMessages.CoordinationTornTail(logger, name, torn);
                }
            }
            catch (CoordinationCorruptException e)
            {
                throw new EngineException($"{name}: the coordination store is corrupt: {e.Message}. Restore the directory from a backup.", e);
            }

            journal.Target = coordinationFiles;
            var engineOptions = new InProcessEngineOptions
            {
                TimeProvider = options.TimeProvider,
                MaxEventBytes = options.MaxEventBytes,
                RetentionCheckInterval = options.RetentionCheckInterval,
            };
            storage = new DurableStorage(directory, name, options, logger);
            var log = new InProcessEventLog(engineOptions, CommittedOffsetScan.FloorOf(store), PartitionLog.DefaultSegmentShift, storage);
            long events = 0;
            var topics = storage.Recover(PartitionLog.DefaultSegmentShift);
            foreach (var topic in topics)
            {
                log.AddRecovered(topic);
                events += topic.Partitions.Sum(p => p.HeldEvents);
            }

            await CheckCommittedOffsetsAsync(name, topics, store, storage, logger);
            foreach (var acceptLossFile in storage.AcceptLossFiles.Values)
            {
                File.Delete(acceptLossFile);
            }

            var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            InProcess.DurableLogMessages.Recovered(logger, name, topics.Count, events, elapsedMs);
            return new FileShoalEngine(name, directoryLock, coordinationFiles, store, storage, log, options);
        }
        catch (Exception e)
        {
            storage?.Dispose();
            coordinationFiles?.Dispose();
            directoryLock.Dispose();
            if (e is IOException or UnauthorizedAccessException)
            {
                throw new EngineException($"{name}: cannot open the data directory: {e.Message}", e);
            }

            throw;
        }
    }

    /// <summary>
    /// Refuses to open when a group's committed offset, or an offset its record marks done above it
    /// (<see cref="CommittedOffset.Done"/>), is at or above its partition's end offset after recovery: events the group
    /// processed are missing, and new events would take offsets the group skips. Where the operator accepted the loss
    /// of the partition's damage, the record is lowered to the end offset instead (the group then processes every new
    /// event).
    /// </summary>
    private static async ValueTask CheckCommittedOffsetsAsync(string name, List<TopicLog> topics, InProcessCoordinationStore store, DurableStorage storage, ILogger logger)
    {
        var problems = new List<string>();
        foreach (var topic in topics)
        {
            var prefix = CoordinationKeys.TopicOffsetsPrefix(topic.Options.Name);
            foreach (var (_, group, partition, committed, entry) in CommittedOffsetScan.Records(store.List(prefix), topic.Partitions.Count))
            {
                var end = topic.Partitions[partition].Offsets.End;
                var reach = committed.Done.Count > 0 ? committed.Done[^1].End : committed.Offset;
                if (reach <= end)
                {
                    continue;
                }

                var acceptLossFile = storage.AcceptLossFile(topic.Options.Name, partition);
                if (storage.AcceptLossFiles.ContainsKey((topic.Options.Name, partition)))
                {
                    var lowered = new CommittedOffset(Math.Min(committed.Offset, end), committed.Epoch)
                    {
                        Done = [.. committed.Done.Where(r => r.Start < end).Select(r => r with { End = Math.Min(r.End, end) })],
                    };
                    await store.TryUpdateAsync(entry.Key, lowered.Encode(), entry.Revision);
                    InProcess.DurableLogMessages.CommittedOffsetLowered(logger, name, topic.Options.Name, partition, group, reach, end, acceptLossFile);
                    continue;
                }

                var what = committed.Offset > end ? $"committed offset {committed.Offset}" : $"committed offset {committed.Offset} with offsets done up to {reach - 1}";
                problems.Add(
                    $"group '{group}' has {what} in partition {partition} of topic '{topic.Options.Name}', above the " +
                    $"partition's end offset {end} after recovery (to accept the loss there: '{acceptLossFile}')");
            }
        }

        if (problems.Count > 0)
        {
            throw new EngineException(
                $"{name}: {string.Join("; ", problems)}. Events the group processed there are missing from the journal, and new events would " +
                "take offsets the group skips. Restore the directory from a backup; or, to accept the loss, create the empty file named above " +
                "and open the directory again: the group's committed offset is then lowered to the partition's end offset, so it processes every new event.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        await _flushLoop;
        try
        {
            _log.Dispose();
            _store.Dispose();
            _storage.Dispose();
        }
        finally
        {
            _coordinationFiles.Dispose();
            _lock.Dispose();
            _stop.Dispose();
        }
    }

    /// <summary>With <see cref="FileDurability.Interval"/>: every interval, commits each partition that has new events.</summary>
    private async Task FlushLoopAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.FlushInterval, _options.TimeProvider, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach (var topic in _log.Topics)
            {
                foreach (var partition in topic.Partitions)
                {
                    if (!partition.HasUnflushed)
                    {
                        continue;
                    }

                    try
                    {
                        await _storage.FlushAsync(topic.Options.Name, partition, stop);
                    }
                    catch (Exception e) when (e is EngineException or OperationCanceledException or ObjectDisposedException)
                    {
                        // The storage recorded a write failure (appends now throw it); cancellation and disposal end the loop.
                        if (e is not EngineException)
                        {
                            return;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Lets the store be created before its files are read into it: changes go to the target once set.</summary>
    private sealed class DeferredJournal : ICoordinationJournal
    {
        public CoordinationFiles? Target { get; set; }

        public bool SnapshotDue => Target?.SnapshotDue ?? false;

        public void Put(string key, ReadOnlySpan<byte> value, long revision) => Target?.Put(key, value, revision);

        public void Delete(string key, long revision) => Target?.Delete(key, revision);

        public void WriteSnapshot(IEnumerable<KvEntry> entries, long revision) => Target?.WriteSnapshot(entries, revision);
    }
}
