using Microsoft.Extensions.Logging;

namespace Shoal.Engines.InProcess;

/// <summary>
/// The event log's side of a data directory: one sub-directory per topic (<c>topics/{name}/topic.json</c>) and one
/// journal per partition (<c>topics/{name}/{partition}/</c>). Once a journal write or commit fails, the storage is
/// failed: every later append throws (fail-stop, as PostgreSQL does after a failed fsync), because what is on disk
/// after a failed write is unknown; a restart recovers the durable prefix.
/// </summary>
internal sealed class DurableStorage : IDisposable
{
    private readonly string _topicsDirectory;
    private readonly string _uri;
    private readonly JournalGeometry _geometry;
    private readonly ILogger _logger;
    private readonly List<FasterPartitionJournal> _journals = [];
    private readonly Dictionary<(string Topic, int Partition), string> _acceptLossFiles = [];
    private readonly Lock _gate = new();
    private volatile Exception? _failure;

    public DurableStorage(string directory, string uri, FileEngineOptions options, ILogger logger)
    {
        _topicsDirectory = Path.Combine(directory, "topics");
        _uri = uri;
        _geometry = JournalGeometry.For(options.MaxEventBytes);
        _logger = logger;
        FlushBeforeAck = options.Durability == FileDurability.FlushBeforeAck;
        Directory.CreateDirectory(_topicsDirectory);
    }

    /// <summary>True when an append returns only once its events are on stable storage.</summary>
    public bool FlushBeforeAck { get; }

    /// <summary>Writes the topic's file and creates its partitions' journals.</summary>
    public IReadOnlyList<IPartitionJournal> CreateTopic(TopicOptions topic)
    {
        ThrowIfFailed();
        var directory = Path.Combine(_topicsDirectory, topic.Name);
        try
        {
            Directory.CreateDirectory(directory);
            var journals = CreateJournals(directory, topic.Partitions);
            for (var p = 0; p < journals.Count; p++)
            {
                var journal = journals[p];
                journal.Recover(topic.Name, p, acceptLoss: false, (in EventEnvelope e, long ticks, long address) =>
                    throw new EngineException($"{_uri}: cannot create topic '{topic.Name}': '{journal.DirectoryPath}' already holds events; move the directory '{directory}' away first."));
            }

            TopicFile.Write(directory, topic);
            return journals;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineException($"{_uri}: cannot create topic '{topic.Name}' in '{directory}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Opens every topic found on disk: each partition's journal is recovered (see <see cref="JournalRecovery"/>, with
    /// a warning for everything repaired), every record is read back into memory, then the topic's de-duplication ids.
    /// </summary>
    public List<TopicLog> Recover(int segmentShift)
    {
        var topics = new List<TopicLog>();
        foreach (var directory in Directory.EnumerateDirectories(_topicsDirectory).Order(StringComparer.Ordinal))
        {
            var file = Path.Combine(directory, TopicFile.FileName);
            if (!File.Exists(file))
            {
                // A topic whose creation was cut short before its file was renamed into place never existed.
                DurableLogMessages.IncompleteTopicIgnored(_logger, _uri, directory);
                continue;
            }

            TopicOptions options;
            try
            {
                options = TopicFile.Read(file);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or ArgumentException or InvalidOperationException or FormatException or ShoalConfigurationException)
            {
                throw new EngineException($"{_uri}: '{file}' is damaged: {e.Message}", e);
            }

            var journals = CreateJournals(directory, options.Partitions);
            var topic = new TopicLog(options, segmentShift, journals);
            for (var p = 0; p < journals.Count; p++)
            {
                Recover(options.Name, topic.Partition(p), journals[p]);
            }

            topic.RestoreDeduplication();
            topics.Add(topic);
        }

        return topics;
    }

    /// <summary>
    /// The partitions whose operator accepted losing what is damaged at this start (an <see cref="JournalRecovery.AcceptLossFile"/>
    /// in the partition's directory), with that file's path.
    /// </summary>
    public IReadOnlyDictionary<(string Topic, int Partition), string> AcceptLossFiles => _acceptLossFiles;

    /// <summary>The file whose presence accepts the loss of what is damaged in a partition, for one start.</summary>
    public string AcceptLossFile(string topic, int partition) =>
        Path.Combine(_topicsDirectory, topic, partition.ToString(System.Globalization.CultureInfo.InvariantCulture), JournalRecovery.AcceptLossFile);

    public void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new EngineException(
                $"{_uri}: the engine stopped accepting writes after a failed disk write ({failure.Message}). " +
                "Events acknowledged before it are on disk; restart the process to recover them.", failure);
        }
    }

    /// <summary>Records the first failure of a journal and returns the error to throw.</summary>
    public EngineException Fail(string topic, int partition, Exception cause)
    {
        lock (_gate)
        {
            _failure ??= cause;
        }

        DurableLogMessages.WriteFailed(_logger, _uri, topic, partition, cause);
        return new EngineException(
            $"{_uri}: writing partition {partition} of topic '{topic}' failed: {Diagnose(cause)}. The events of this append were not " +
            "acknowledged; the engine stops accepting writes (restart the process to recover what was acknowledged).", cause);
    }

    /// <summary>Makes the partition's appended events durable and readable; a failure fails the storage.</summary>
    public async ValueTask FlushAsync(string topic, PartitionLog partition, CancellationToken cancellationToken)
    {
        try
        {
            await partition.FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException and not ObjectDisposedException and not ShoalException)
        {
            throw Fail(topic, partition.Number, e);
        }
    }

    /// <summary>Closes every journal, committing pending events unless a write failed before (see <see cref="FasterPartitionJournal.Close"/>).</summary>
    public void Dispose()
    {
        List<Exception>? errors = null;
        lock (_gate)
        {
            foreach (var journal in _journals)
            {
                try
                {
                    journal.Close(commit: _failure is null);
                }
                catch (Exception e)
                {
                    (errors ??= []).Add(e);
                }
            }

            _journals.Clear();
        }

        if (errors is not null)
        {
            throw new EngineException($"{_uri}: closing the partition journals failed: {errors[0].Message}", new AggregateException(errors));
        }
    }

    /// <summary>
    /// FASTER reports a failed device write as a bare error code; the likely cause on a busy machine is a full disk,
    /// so say so when the filesystem has less than a page free.
    /// </summary>
    private string Diagnose(Exception cause)
    {
        try
        {
            var free = new DriveInfo(_topicsDirectory).AvailableFreeSpace;
            if (free < 2L << _geometry.PageBits)
            {
                return $"the filesystem holding '{_topicsDirectory}' is full ({free} bytes free; {cause.Message})";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // No diagnosis: report FASTER's message alone.
        }

        return cause.Message;
    }

    private List<FasterPartitionJournal> CreateJournals(string directory, int partitions)
    {
        var journals = new List<FasterPartitionJournal>(partitions);
        for (var p = 0; p < partitions; p++)
        {
            var journal = new FasterPartitionJournal(Path.Combine(directory, p.ToString(System.Globalization.CultureInfo.InvariantCulture)), _geometry);
            lock (_gate)
            {
                _journals.Add(journal);
            }

            journals.Add(journal);
        }

        return journals;
    }

    private void Recover(string topic, PartitionLog target, FasterPartitionJournal journal)
    {
        var partition = target.Number;
        var acceptLossFile = AcceptLossFile(topic, partition);
        var acceptLoss = File.Exists(acceptLossFile);
        if (acceptLoss)
        {
            _acceptLossFiles[(topic, partition)] = acceptLossFile;
        }

        JournalRecoveryReport report;
        try
        {
            report = journal.Recover(topic, partition, acceptLoss, (in EventEnvelope e, long ticks, long address) => target.Restore(e, ticks, address));
        }
        catch (JournalCorruptException e)
        {
            throw new EngineException(
                $"{_uri}: partition {partition} of topic '{topic}' is corrupt {e.Message}. Nothing was skipped or deleted. Restore the " +
                $"directory from a backup; or, to keep the {e.KeptRecords} events before the damage and give up what follows (moved to a " +
                $"file in '{journal.DirectoryPath}', not deleted), create an empty file '{acceptLossFile}' and open the directory again.", e);
        }

        if (report.CommitProblem is { } problem)
        {
            DurableLogMessages.CommitRecordsRepaired(_logger, _uri, topic, partition, Path.Combine(journal.DirectoryPath, "commits"), problem,
                report.Records, report.Records > 0 ? $"offsets {report.FirstOffset} to {report.NextOffset - 1}" : "none");
        }

        if (report.AcceptedDamage is { } damage)
        {
            DurableLogMessages.DamageAccepted(_logger, _uri, topic, partition, report.End, damage, report.Records, acceptLossFile);
        }

        if (report.SavedTo is { } saved)
        {
            DurableLogMessages.UnreadableBytesSaved(_logger, _uri, topic, partition, report.SavedBytes, report.End, saved);
        }

        if (report.TornBytes > 0)
        {
            DurableLogMessages.TornTailTruncated(_logger, _uri, topic, partition, report.TornBytes, report.End);
        }
    }
}
