using System.Buffers.Binary;
using System.IO.Hashing;
using FASTER.core;
using Microsoft.Win32.SafeHandles;

namespace Shoal.Engines.InProcess;

/// <summary>
/// Where a partition's FasterLog keeps its commit records: one file, <c>commits</c>, with two fixed slots, each
/// <c>i64 commit number, u16 length, u16 format (2), u32 crc32(the 12 bytes before it and the metadata), metadata</c>,
/// written with <c>O_SYNC</c>. Slots of format 0 (written by earlier versions: an <c>i32</c> length, whose high half is
/// 0, and a checksum of the metadata only) are still read and replaced by the next commits. A commit costs
/// one small synchronous write into space the file already has (FASTER's default manager creates a new file per
/// commit, which costs a file creation per commit; its in-log "fast commit" mode was measured to keep a commit record
/// whose data write failed on a full disk, leaving a hole).
/// </summary>
/// <remarks>
/// A commit goes to the slot that does not hold the newest complete commit, so a write torn by a crash leaves the
/// commit before it intact (FasterLog writes only the newest of the commits one flush covers, so commit numbers skip,
/// and slots are therefore not chosen by the number's parity). A torn slot fails its checksum. Recovery does not rely
/// on these records alone: it checks every journal record against them (see <see cref="JournalRecovery"/>).
/// </remarks>
internal sealed class SlotCommitManager : ILogCommitManager, IDisposable
{
    private const int SlotBytes = 4096;
    private const int HeaderBytes = 16;

    /// <summary>The slot format written: the checksum covers the commit number and length too.</summary>
    private const ushort Format = 2;

    /// <summary>Slots written before formats had a number: the checksum covers the metadata only.</summary>
    private const ushort FormatMetadataChecksum = 0;

    private readonly SafeFileHandle _file;
    private readonly Lock _gate = new();
    private readonly byte[] _buffer = new byte[SlotBytes];
    private readonly Crc32 _crc = new();
    private int _nextSlot;

    public SlotCommitManager(string path)
    {
        Path = path;
        _file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, FileOptions.WriteThrough);
        var slots = ReadSlots();
        _nextSlot = slots[0].State == SlotState.Valid && (slots[1].State != SlotState.Valid || slots[0].Number > slots[1].Number) ? 1 : 0;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    public void Commit(long beginAddress, long untilAddress, byte[] commitMetadata, long commitNum, bool forceWriteMetadata)
    {
        if (commitMetadata.Length > SlotBytes - HeaderBytes)
        {
            throw new InvalidOperationException($"commit metadata of {commitMetadata.Length} bytes does not fit a {SlotBytes}-byte slot");
        }

        lock (_gate)
        {
            WriteSlot(_nextSlot, commitNum, commitMetadata);
            _nextSlot = 1 - _nextSlot;
        }
    }

    public byte[] GetCommitMetadata(long commitNum)
    {
        foreach (var slot in ReadSlots())
        {
            if (slot.State == SlotState.Valid && slot.Number == commitNum)
            {
                return slot.Metadata!;
            }
        }

        return null!;
    }

    /// <summary>The valid commits, newest first (FASTER recovers the first it can use).</summary>
    public IEnumerable<long> ListCommits() => [.. ReadSlots().Where(s => s.State == SlotState.Valid).Select(s => s.Number).OrderDescending()];

    public void RemoveCommit(long commitNum)
    {
        // Slots are overwritten in turn; nothing to remove.
    }

    public void RemoveAllCommits()
    {
        lock (_gate)
        {
            RandomAccess.SetLength(_file, 0);
            _nextSlot = 0;
        }
    }

    public void OnRecovery(long commitNum)
    {
    }

    /// <summary>What the two slots hold: the newest valid commit (if any) and whether a slot is damaged.</summary>
    public CommitRecords Read()
    {
        var slots = ReadSlots();
        var newest = slots.Where(s => s.State == SlotState.Valid).OrderByDescending(s => s.Number).FirstOrDefault();
        FasterLogRecoveryInfo? info = null;
        long number = 0;
        string? problem = null;
        if (newest.Metadata is { } metadata)
        {
            try
            {
                var decoded = default(FasterLogRecoveryInfo);
                using var reader = new BinaryReader(new MemoryStream(metadata));
                decoded.Initialize(reader);
                info = decoded;
                number = newest.Number;
            }
            catch (FasterException e)
            {
                problem = $"its newest commit record does not decode ({e.Message})";
            }
        }

        var damaged = slots.Count(s => s.State == SlotState.Damaged);
        problem ??= damaged switch
        {
            0 => null,
            2 => "has both commit records damaged (their checksums fail)",
            _ => "has a damaged commit record (its checksum fails)",
        };
        return new CommitRecords(info, number, slots.Any(s => s.State != SlotState.Empty), problem);
    }

    /// <summary>
    /// Replaces both slots with a commit record of <paramref name="beginAddress"/> and <paramref name="untilAddress"/>
    /// (commit numbers following <paramref name="lastNumber"/>), so FasterLog recovers to exactly that range.
    /// </summary>
    public void Rewrite(long beginAddress, long untilAddress, long lastNumber)
    {
        lock (_gate)
        {
            for (var slot = 0; slot < 2; slot++)
            {
                var number = lastNumber + 1 + slot;
                var info = new FasterLogRecoveryInfo { BeginAddress = beginAddress, UntilAddress = untilAddress, CommitNum = number };
                WriteSlot(slot, number, info.ToByteArray());
            }

            _nextSlot = 0;
        }
    }

    public void Dispose() => _file.Dispose();

    private void WriteSlot(int slot, long number, byte[] metadata)
    {
        var bytes = _buffer.AsSpan(0, HeaderBytes + metadata.Length);
        BinaryPrimitives.WriteInt64LittleEndian(bytes, number);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[8..], checked((ushort)metadata.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[10..], Format);
        metadata.CopyTo(bytes[HeaderBytes..]);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[12..], Checksum(bytes));
        RandomAccess.Write(_file, bytes, slot * SlotBytes);
    }

    private Slot[] ReadSlots()
    {
        var slots = new Slot[2];
        var buffer = new byte[SlotBytes];
        lock (_gate)
        {
            for (var slot = 0; slot < 2; slot++)
            {
                var read = RandomAccess.Read(_file, buffer, slot * SlotBytes);
                if (read < HeaderBytes || !buffer.AsSpan(0, HeaderBytes).ContainsAnyExcept((byte)0))
                {
                    slots[slot] = new Slot(SlotState.Empty, 0, null);
                    continue;
                }

                var number = BinaryPrimitives.ReadInt64LittleEndian(buffer);
                var length = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(8));
                var format = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(10));
                var stored = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(12));
                var valid = length > 0 && length <= read - HeaderBytes && format switch
                {
                    Format => stored == Checksum(buffer.AsSpan(0, HeaderBytes + length)),
                    FormatMetadataChecksum => stored == Crc32.HashToUInt32(buffer.AsSpan(HeaderBytes, length)),
                    _ => false,
                };
                slots[slot] = valid
                    ? new Slot(SlotState.Valid, number, buffer.AsSpan(HeaderBytes, length).ToArray())
                    : new Slot(SlotState.Damaged, number, null);
            }
        }

        return slots;
    }

    /// <summary>CRC-32 of a format-2 slot: its first 12 bytes (number, length, format) and its metadata. Under <see cref="_gate"/>.</summary>
    private uint Checksum(ReadOnlySpan<byte> slot)
    {
        _crc.Reset();
        _crc.Append(slot[..12]);
        _crc.Append(slot[HeaderBytes..]);
        return _crc.GetCurrentHashAsUInt32();
    }

    private enum SlotState
    {
        /// <summary>Never written (zeros, or past the end of the file).</summary>
        Empty,
        Valid,

        /// <summary>Written, but its checksum, length or format fails: torn by a crash or damaged since.</summary>
        Damaged,
    }

    private readonly record struct Slot(SlotState State, long Number, byte[]? Metadata);
}

/// <summary>
/// What a partition's commit record file holds: the newest valid commit (null when none) and its number, whether any
/// slot was ever written, and what is wrong with the file (null when nothing is).
/// </summary>
internal readonly record struct CommitRecords(FasterLogRecoveryInfo? Newest, long NewestNumber, bool Written, string? Problem);
