using System.Buffers;
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
    private const int SectorBytes = 512;

    private readonly IDevice _device;
    private readonly SlotCommitManager _commits;
    private readonly FasterLog _log;
    private readonly string _directory;
    private readonly int _segmentBits;
    private byte[] _buffer = new byte[4096];

    private FasterPartitionJournal(string directory, IDevice device, SlotCommitManager commits, FasterLog log, int segmentBits)
    {
        _directory = directory;
        _device = device;
        _commits = commits;
        _log = log;
        _segmentBits = segmentBits;
    }

    public long TailAddress => _log.TailAddress;

    /// <summary>Where durable records end (everything below survives a crash).</summary>
    public long CommittedUntilAddress => _log.CommittedUntilAddress;

    /// <summary>Where the retained records begin.</summary>
    public long BeginAddress => _log.BeginAddress;

    /// <summary>Opens (recovering to the last commit) or creates the journal in <paramref name="directory"/>.</summary>
    public static FasterPartitionJournal Open(string directory, JournalGeometry geometry)
    {
        Directory.CreateDirectory(directory);
        var device = Devices.CreateLogDevice(Path.Combine(directory, "log"), preallocateFile: false);
        SlotCommitManager? commits = null;
        try
        {
            commits = new SlotCommitManager(Path.Combine(directory, "commits"));
            var log = new FasterLog(new FasterLogSettings
            {
                LogDevice = device,
                PageSizeBits = geometry.PageBits,
                MemorySizeBits = geometry.MemoryBits,
                SegmentSizeBits = geometry.SegmentBits,
                AutoRefreshSafeTailAddress = false,
                LogCommitManager = commits,
            });
            return new FasterPartitionJournal(directory, device, commits, log, geometry.SegmentBits);
        }
        catch
        {
            commits?.Dispose();
            device.Dispose();
            throw;
        }
    }

    public long Write(in EventEnvelope e, long appendTicks)
    {
        var length = EventRecordCodec.Encode(e, appendTicks, ref _buffer);
        return _log.Enqueue(_buffer.AsSpan(0, length));
    }

    public async ValueTask CommitAsync(long address, CancellationToken cancellationToken)
    {
        if (_log.CommittedUntilAddress >= address)
        {
            return;
        }

        _log.Commit(spinWait: false);
        await _log.WaitForCommitAsync(address, 0, cancellationToken);
    }

    public void TruncateUntil(long address) => _log.TruncateUntil(address);

    /// <summary>
    /// Removes what a crash left after the last commit — bytes of records that were being written (a torn tail) —
    /// so that they can never be mistaken for data: cuts the tail segment back to the committed tail (rounded up to
    /// the sector FASTER rewrites) and deletes later segment files. Returns the number of bytes removed.
    /// </summary>
    public long TruncateTornTail()
    {
        var tail = _log.TailAddress;
        var segment = tail >> _segmentBits;
        var within = tail & ((1L << _segmentBits) - 1);
        var keep = (within + SectorBytes - 1) / SectorBytes * SectorBytes;
        long removed = 0;
        foreach (var file in Directory.EnumerateFiles(_directory, "log.*"))
        {
            if (!long.TryParse(Path.GetExtension(file).AsSpan(1), out var number) || number < segment)
            {
                continue;
            }

            var info = new FileInfo(file);
            if (number > segment)
            {
                removed += info.Length;
                info.Delete();
            }
            else if (info.Length > keep)
            {
                removed += info.Length - keep;
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                stream.SetLength(keep);
                stream.Flush(flushToDisk: true);
            }
        }

        return removed;
    }

    /// <summary>
    /// Reads every retained record in order and hands it to <paramref name="restore"/> (the payload memory is only
    /// valid during the call). A record that does not decode, or whose offset does not follow the previous one,
    /// throws <see cref="JournalCorruptException"/>: data is never skipped silently.
    /// </summary>
    public void Replay(string topic, int partition, RestoreRecord restore)
    {
        var cache = default(EventRecordCodec.DecodeCache);
        long expected = -1;
        using var iterator = _log.Scan(_log.BeginAddress, _log.TailAddress);
        while (true)
        {
            IMemoryOwner<byte>? owner;
            int length;
            long address;
            try
            {
                if (!iterator.GetNext(MemoryPool<byte>.Shared, out owner, out length, out address, out _))
                {
                    break;
                }
            }
            catch (Exception e) when (e is not JournalCorruptException)
            {
                throw new JournalCorruptException(iterator.CompletedUntilAddress, $"the log cannot be read there ({e.Message})");
            }

            using (owner)
            {
                var decoded = EventRecordCodec.TryDecode(owner.Memory[..length], topic, partition, ref cache, out var appendTicks, out var problem);
                if (decoded is not { } e)
                {
                    throw new JournalCorruptException(address, problem);
                }

                if (expected >= 0 && e.Offset != expected)
                {
                    throw new JournalCorruptException(address, $"record holds offset {e.Offset} where offset {expected} was expected");
                }

                restore(e, appendTicks, address);
                expected = e.Offset + 1;
            }
        }
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
            if (commit && _log.TailAddress > _log.CommittedUntilAddress || _log.BeginAddress > _log.CommittedBeginAddress)
            {
                _log.Commit(spinWait: true);
            }
        }
        finally
        {
            _log.Dispose();
            _device.Dispose();
            _commits.Dispose();
        }
    }
}

/// <summary>Receives one replayed record: the event (payload valid only during the call), its append time and address.</summary>
internal delegate void RestoreRecord(in EventEnvelope e, long appendTicks, long address);

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

/// <summary>A journal record that cannot be trusted, at a FasterLog address.</summary>
internal sealed class JournalCorruptException(long address, string problem) : Exception($"at address {address}: {problem}")
{
    public long Address { get; } = address;
}
