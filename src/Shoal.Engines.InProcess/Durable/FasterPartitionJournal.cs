using FASTER.core;

namespace Shoal.Engines.InProcess;

/// <summary>
/// A partition's journal: one FASTER <see cref="FasterLog"/> in its own directory (segment files <c>log.N</c> and
/// commit records in <c>commits</c>, see <see cref="SlotCommitManager"/>). Each event is one FasterLog entry encoded by
/// <see cref="EventRecordCodec"/>; FasterLog addresses are byte addresses, so the dense offset travels in the record
/// and the in-memory log keeps each event's address (for truncation).
/// </summary>
/// <remarks>
/// On Linux FASTER's device opens segment and commit files with <c>O_SYNC</c>, so a completed commit is on stable
/// storage. A commit is group commit: every record enqueued before it is made durable by one flush.
/// </remarks>
internal sealed class FasterPartitionJournal : IPartitionJournal, IDisposable
{
    private readonly string _directory;
    private readonly JournalGeometry _geometry;
    private IDevice? _device;
    private SlotCommitManager? _commits;
    private FasterLog? _log;
    private byte[] _buffer = new byte[4096];
    private byte[]? _readPage;
    private string _topic = string.Empty;
    private int _partition;

    /// <summary>A journal in <paramref name="directory"/> (created if missing), opened by <see cref="Recover"/>.</summary>
    public FasterPartitionJournal(string directory, JournalGeometry geometry)
    {
        Directory.CreateDirectory(directory);
        _directory = directory;
        _geometry = geometry;
    }

    /// <summary>The journal's directory.</summary>
    public string DirectoryPath => _directory;

    public long TailAddress => Log.TailAddress;

    private FasterLog Log => _log ?? throw new InvalidOperationException($"the journal in '{_directory}' is not open");

    /// <summary>
    /// Recovers the journal (see <see cref="JournalRecovery"/>: every record that checks out is handed to
    /// <paramref name="restore"/>, its payload valid only during the call), then opens FasterLog on what was kept.
    /// Throws <see cref="JournalCorruptException"/> on damage the operator has not accepted.
    /// </summary>
    public JournalRecoveryReport Recover(string topic, int partition, bool acceptLoss, RestoreRecord restore)
    {
        _topic = topic;
        _partition = partition;
        _commits = new SlotCommitManager(Path.Combine(_directory, "commits"));
        var report = JournalRecovery.Run(_directory, _geometry, _commits, topic, partition, acceptLoss, restore);
        _device = Devices.CreateLogDevice(Path.Combine(_directory, "log"), preallocateFile: false);
        _log = new FasterLog(new FasterLogSettings
        {
            LogDevice = _device,
            PageSizeBits = _geometry.PageBits,
            MemorySizeBits = _geometry.MemoryBits,
            SegmentSizeBits = _geometry.SegmentBits,
            AutoRefreshSafeTailAddress = false,
            LogCommitManager = _commits,
        });
        if (report.HasData && _log.TailAddress != report.End)
        {
            throw new JournalCorruptException(report.End, $"(where the records that check out end): FasterLog recovered to address {_log.TailAddress} instead", report.Records);
        }

        return report;
    }

    public long Write(in EventEnvelope e, long appendTicks)
    {
        var length = EventRecordCodec.Encode(e, appendTicks, ref _buffer);
        return Log.Enqueue(_buffer.AsSpan(0, length));
    }

    public async ValueTask CommitAsync(long address, CancellationToken cancellationToken)
    {
        var log = Log;
        if (log.CommittedUntilAddress >= address)
        {
            return;
        }

        log.Commit(spinWait: false);
        await log.WaitForCommitAsync(address, 0, cancellationToken);
    }

    public void TruncateUntil(long address) => Log.TruncateUntil(address);

    /// <summary>
    /// Reads committed records straight from the segment files (as recovery does; committed records are on stable
    /// storage, so the files hold them), decoding each with <see cref="EventRecordCodec"/>. A record that is missing
    /// or does not check out throws <see cref="IOException"/> naming the file and address. Safe to call from several
    /// threads at once, and alongside writes.
    /// </summary>
    public void Read(long address, long until, int count, RestoreRecord each)
    {
        var cache = default(EventRecordCodec.DecodeCache);
        Scan(address, until, count, (body, at) =>
        {
            if (EventRecordCodec.TryDecode(body, _topic, _partition, ref cache, out var appendTicks, out var problem) is not { } e)
            {
                return problem;
            }

            each(e, appendTicks, at);
            return null;
        });
    }

    /// <summary>As <see cref="Read"/>, but reads only each record's offset, append time and payload length (<see cref="EventRecordCodec.TrySkim"/>).</summary>
    public void Skim(long address, long until, int count, SkimRecord each) =>
        Scan(address, until, count, (body, at) =>
        {
            if (!EventRecordCodec.TrySkim(body.Span, out var offset, out var appendTicks, out var payloadLength, out var problem))
            {
                return problem;
            }

            each(offset, appendTicks, payloadLength, at);
            return null;
        });

    /// <summary>Hands <paramref name="count"/> records from <paramref name="address"/> to <paramref name="each"/>, which returns a problem or null.</summary>
    private void Scan(long address, long until, int count, Func<ReadOnlyMemory<byte>, long, string?> each)
    {
        // The page buffer is reused across calls; a call running alongside another gets its own.
        using var segments = new JournalSegments(_directory, _geometry, Interlocked.Exchange(ref _readPage, null), address, until);
        while (count > 0)
        {
            var entry = segments.TryRead(address, out var body, out var next, out var problem);
            if (entry == JournalSegments.Entry.Padding)
            {
                address = next;
                continue;
            }

            var failure = entry == JournalSegments.Entry.Record ? each(body, address) : problem;
            if (failure is not null)
            {
                throw new IOException($"reading back partition {_partition} of topic '{_topic}' at address {address} in '{segments.SegmentPath(address)}': {failure}");
            }

            address = next;
            count--;
        }

        _readPage = segments.PageBuffer;
    }

    /// <summary>Commits what is pending (so a clean shutdown loses nothing) and closes the files.</summary>
    public void Dispose() => Close(commit: true);

    /// <summary>
    /// Closes the files, committing what is pending first only when <paramref name="commit"/> is set. After a failed
    /// write nothing may be committed again: FasterLog would record a commit past the range whose write failed,
    /// leaving a hole that recovery reports as corruption (seen with a full disk).
    /// </summary>
    public void Close(bool commit)
    {
        try
        {
            if (_log is { } log && (commit && log.TailAddress > log.CommittedUntilAddress || log.BeginAddress > log.CommittedBeginAddress))
            {
                log.Commit(spinWait: true);
            }
        }
        finally
        {
            _log?.Dispose();
            _device?.Dispose();
            _commits?.Dispose();
            _log = null;
            _device = null;
            _commits = null;
        }
    }
}

/// <summary>Receives one recovered record: the event (payload valid only during the call), its append time and address.</summary>
internal delegate void RestoreRecord(in EventEnvelope e, long appendTicks, long address);

/// <summary>Receives what <see cref="IPartitionJournal.Skim"/> reads of one record.</summary>
internal delegate void SkimRecord(long offset, long appendTicks, int payloadLength, long address);

/// <summary>FasterLog page, in-memory and segment sizes (powers of two), chosen from the largest event.</summary>
internal readonly record struct JournalGeometry(int PageBits, int MemoryBits, int SegmentBits)
{
    public static JournalGeometry For(int maxEventBytes)
    {
        var record = EventRecordCodec.MaxRecordBytes(maxEventBytes) + 64;
        var pageBits = Math.Max(16, 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)record - 1));
        return new JournalGeometry(pageBits, pageBits + 2, Math.Max(26, pageBits + 2));
    }
}

/// <summary>
/// A journal that cannot be trusted from a FasterLog address on; <paramref name="keptRecords"/> records before it check out.
/// </summary>
internal sealed class JournalCorruptException(long address, string problem, long keptRecords) : Exception($"at address {address} {problem}")
{
    public long Address { get; } = address;

    public long KeptRecords { get; } = keptRecords;
}
