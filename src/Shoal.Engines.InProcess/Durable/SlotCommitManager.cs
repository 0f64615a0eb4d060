using System.Buffers.Binary;
using System.IO.Hashing;
using FASTER.core;
using Microsoft.Win32.SafeHandles;

namespace Shoal.Engines.InProcess;

/// <summary>
/// Where a partition's FasterLog keeps its commit records: one file, <c>commits</c>, with two fixed slots written in
/// turn (commit <i>n</i> goes to slot <i>n</i> mod 2) with <c>O_SYNC</c>, each <c>i64 commit number, i32 length,
/// u32 crc32(metadata), metadata</c>. A commit costs one small synchronous write into space the file already has
/// (FASTER's default manager creates a new file per commit, which costs a file creation per commit; its in-log
/// "fast commit" mode was measured to keep a commit record whose data write failed on a full disk, leaving a hole).
/// A slot torn by a crash fails its checksum and the other slot (the previous commit) is used.
/// </summary>
internal sealed class SlotCommitManager : ILogCommitManager, IDisposable
{
    private const int SlotBytes = 4096;
    private const int HeaderBytes = 16;

    private readonly SafeFileHandle _file;
    private readonly Lock _gate = new();
    private readonly byte[] _buffer = new byte[SlotBytes];

    public SlotCommitManager(string path) =>
        _file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, FileOptions.WriteThrough);

    public void Commit(long beginAddress, long untilAddress, byte[] commitMetadata, long commitNum, bool forceWriteMetadata)
    {
        if (commitMetadata.Length > SlotBytes - HeaderBytes)
        {
            throw new InvalidOperationException($"commit metadata of {commitMetadata.Length} bytes does not fit a {SlotBytes}-byte slot");
        }

        lock (_gate)
        {
            var slot = _buffer.AsSpan(0, HeaderBytes + commitMetadata.Length);
            BinaryPrimitives.WriteInt64LittleEndian(slot, commitNum);
            BinaryPrimitives.WriteInt32LittleEndian(slot[8..], commitMetadata.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(slot[12..], Crc32.HashToUInt32(commitMetadata));
            commitMetadata.CopyTo(slot[HeaderBytes..]);
            RandomAccess.Write(_file, slot, (commitNum & 1) * SlotBytes);
        }
    }

    public byte[] GetCommitMetadata(long commitNum)
    {
        foreach (var (number, metadata) in ReadSlots())
        {
            if (number == commitNum)
            {
                return metadata;
            }
        }

        return null!;
    }

    /// <summary>The valid commits, newest first (FASTER recovers the first it can use).</summary>
    public IEnumerable<long> ListCommits() => [.. ReadSlots().Select(s => s.Number).OrderDescending()];

    public void RemoveCommit(long commitNum)
    {
        // Slots are overwritten in turn; nothing to remove.
    }

    public void RemoveAllCommits()
    {
        lock (_gate)
        {
            RandomAccess.SetLength(_file, 0);
        }
    }

    public void OnRecovery(long commitNum)
    {
    }

    public void Dispose() => _file.Dispose();

    private List<(long Number, byte[] Metadata)> ReadSlots()
    {
        var slots = new List<(long, byte[])>(2);
        var buffer = new byte[SlotBytes];
        lock (_gate)
        {
            for (var slot = 0; slot < 2; slot++)
            {
                var read = RandomAccess.Read(_file, buffer, slot * SlotBytes);
                if (read < HeaderBytes)
                {
                    continue;
                }

                var number = BinaryPrimitives.ReadInt64LittleEndian(buffer);
                var length = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(8));
                if (length <= 0 || length > read - HeaderBytes)
                {
                    continue;
                }

                var metadata = buffer.AsSpan(HeaderBytes, length);
                if (BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(12)) == Crc32.HashToUInt32(metadata))
                {
                    slots.Add((number, metadata.ToArray()));
                }
            }
        }

        return slots;
    }
}
