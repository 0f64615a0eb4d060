using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Shoal.Engine;

namespace Shoal.Engines.InProcess;

/// <summary>
/// The coordination store on disk, in <c>DIR/coordination/</c>: a <c>snapshot</c> (every entry and the revision
/// counter, replaced atomically: written to <c>snapshot.tmp</c>, flushed to disk, renamed) and a <c>journal</c> of
/// the changes since (one record per put or delete, appended with <c>O_SYNC</c>, so a change is on stable storage
/// before the store applies it and answers).
/// </summary>
/// <remarks>
/// Every record is <c>u32 length, u32 crc32(body), body</c>; a body is <c>u8 kind (1 put, 2 delete), i64 revision,
/// i32 key length, key (UTF-8)</c> and for a put <c>i32 value length, value</c>. The snapshot starts with the 8 bytes
/// <c>SHOALKV1</c> and the revision counter (i64), then one put record per entry.
/// At start-up a damaged last journal record (a write the crash cut short) is removed with a warning; damage
/// anywhere else is an error. The journal is folded into a new snapshot at start-up and whenever it passes
/// <see cref="SnapshotThresholdBytes"/>.
/// </remarks>
internal sealed class CoordinationFiles : ICoordinationJournal, IDisposable
{
    public const long SnapshotThresholdBytes = 16L << 20;

    private const byte KindPut = 1;
    private const byte KindDelete = 2;
    private static readonly byte[] Magic = "SHOALKV1"u8.ToArray();

    private readonly string _directory;
    private readonly string _journalPath;
    private readonly string _snapshotPath;
    private SafeFileHandle _journal;
    private long _journalLength;
    private byte[] _buffer = new byte[256];

    private CoordinationFiles(string directory)
    {
        _directory = directory;
        _journalPath = Path.Combine(directory, "journal");
        _snapshotPath = Path.Combine(directory, "snapshot");
        _journal = null!;
    }

    public bool SnapshotDue => _journalLength > SnapshotThresholdBytes;

    /// <summary>
    /// Reads snapshot and journal into <paramref name="store"/>, folds them into a new snapshot and opens an empty
    /// journal. <paramref name="tornTail"/> receives the number of bytes of a damaged last journal record, if any.
    /// </summary>
    public static CoordinationFiles Open(string directory, InProcessCoordinationStore store, out long tornTail)
    {
        Directory.CreateDirectory(directory);
        var files = new CoordinationFiles(directory);
        var entries = new Dictionary<string, KvEntry>(StringComparer.Ordinal);
        long revision = 0;
        if (File.Exists(files._snapshotPath))
        {
            var bytes = File.ReadAllBytes(files._snapshotPath);
            if (bytes.Length < 16 || !bytes.AsSpan(0, 8).SequenceEqual(Magic))
            {
                throw new CoordinationCorruptException(files._snapshotPath, 0, "it does not start with SHOALKV1 and a revision");
            }

            revision = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8));
            var end = Read(bytes, 16, files._snapshotPath, entries, ref revision, tolerateTornTail: false);
            if (end != bytes.Length)
            {
                throw new CoordinationCorruptException(files._snapshotPath, end, "the last record is incomplete");
            }
        }

        tornTail = 0;
        if (File.Exists(files._journalPath))
        {
            var bytes = File.ReadAllBytes(files._journalPath);
            var end = Read(bytes, 0, files._journalPath, entries, ref revision, tolerateTornTail: true);
            tornTail = bytes.Length - end;
        }

        store.Restore(entries.Values, revision);
        files.WriteSnapshot(entries.Values, revision);
        return files;
    }

    public void Put(string key, ReadOnlySpan<byte> value, long revision) => Append(KindPut, key, value, revision);

    public void Delete(string key, long revision) => Append(KindDelete, key, ReadOnlySpan<byte>.Empty, revision);

    public void WriteSnapshot(IEnumerable<KvEntry> entries, long revision)
    {
        var temporary = _snapshotPath + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            Span<byte> header = stackalloc byte[16];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt64LittleEndian(header[8..], revision);
            stream.Write(header);
            foreach (var entry in entries)
            {
                var length = Encode(KindPut, entry.Key, entry.Value.Span, entry.Revision, ref _buffer);
                stream.Write(_buffer, 0, length);
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, _snapshotPath, overwrite: true);
        _journal?.Dispose();
        _journal = File.OpenHandle(_journalPath, FileMode.Create, FileAccess.Write, FileShare.Read, FileOptions.WriteThrough);
        _journalLength = 0;
    }

    public void Dispose() => _journal?.Dispose();

    private void Append(byte kind, string key, ReadOnlySpan<byte> value, long revision)
    {
        var length = Encode(kind, key, value, revision, ref _buffer);
        RandomAccess.Write(_journal, _buffer.AsSpan(0, length), _journalLength);
        _journalLength += length;
    }

    private static int Encode(byte kind, string key, ReadOnlySpan<byte> value, long revision, ref byte[] buffer)
    {
        var keyBytes = Encoding.UTF8.GetByteCount(key);
        var body = 1 + 8 + 4 + keyBytes + (kind == KindPut ? 4 + value.Length : 0);
        var size = 8 + body;
        if (buffer.Length < size)
        {
            buffer = new byte[Math.Max(size, buffer.Length * 2)];
        }

        var span = buffer.AsSpan(0, size);
        BinaryPrimitives.WriteInt32LittleEndian(span, body);
        span[8] = kind;
        BinaryPrimitives.WriteInt64LittleEndian(span[9..], revision);
        BinaryPrimitives.WriteInt32LittleEndian(span[17..], keyBytes);
        Encoding.UTF8.GetBytes(key, span[21..]);
        if (kind == KindPut)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[(21 + keyBytes)..], value.Length);
            value.CopyTo(span[(25 + keyBytes)..]);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Crc32.HashToUInt32(span[8..]));
        return size;
    }

    /// <summary>
    /// Applies records from <paramref name="at"/>; returns where the valid records end. With
    /// <paramref name="tolerateTornTail"/>, a damaged record that reaches the end of the file is a torn tail (not
    /// applied); any other damage throws <see cref="CoordinationCorruptException"/>.
    /// </summary>
    private static int Read(byte[] bytes, int at, string path, Dictionary<string, KvEntry> entries, ref long revision, bool tolerateTornTail)
    {
        while (at < bytes.Length)
        {
            var remaining = bytes.Length - at;
            var body = remaining >= 8 ? BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at)) : -1;
            var complete = body >= 13 && body <= remaining - 8;
            var valid = complete && BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 4)) == Crc32.HashToUInt32(bytes.AsSpan(at + 8, body));
            if (!valid)
            {
                // A write the crash interrupted: a record whose length runs past the end of the file, a last record
                // with a bad checksum, or zeros to the end (the file grew before its data was written). A bad record
                // followed by more data is damage.
                var torn = !complete && (remaining < 8 || body > remaining - 8 || !bytes.AsSpan(at).ContainsAnyExcept((byte)0))
                    || (complete && at + 8 + body == bytes.Length);
                if (tolerateTornTail && torn)
                {
                    return at;
                }

                throw new CoordinationCorruptException(path, at, complete ? "checksum mismatch" : $"impossible record length {body}");
            }

            var span = bytes.AsSpan(at + 8, body);
            var kind = span[0];
            var recordRevision = BinaryPrimitives.ReadInt64LittleEndian(span[1..]);
            var keyLength = BinaryPrimitives.ReadInt32LittleEndian(span[9..]);
            if (keyLength < 0 || 13 + keyLength > body)
            {
                throw new CoordinationCorruptException(path, at, "the key length does not fit the record");
            }

            var key = Encoding.UTF8.GetString(span.Slice(13, keyLength));
            if (kind == KindPut)
            {
                var valueLength = BinaryPrimitives.ReadInt32LittleEndian(span[(13 + keyLength)..]);
                if (valueLength < 0 || 17 + keyLength + valueLength != body)
                {
                    throw new CoordinationCorruptException(path, at, "the value length does not fit the record");
                }

                entries[key] = new KvEntry(key, span.Slice(17 + keyLength, valueLength).ToArray(), recordRevision);
            }
            else if (kind == KindDelete)
            {
                entries.Remove(key);
            }
            else
            {
                throw new CoordinationCorruptException(path, at, $"unknown record kind {kind}");
            }

            revision = Math.Max(revision, recordRevision);
            at += 8 + body;
        }

        return at;
    }
}

/// <summary>A coordination file that cannot be trusted.</summary>
internal sealed class CoordinationCorruptException(string path, long position, string problem)
    : Exception($"{path} is damaged at byte {position}: {problem}");
