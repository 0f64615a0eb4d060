using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Shoal.Engines.InProcess;

/// <summary>
/// One event as a record in a partition's journal (little-endian; strings are a 32-bit byte length and UTF-8):
/// <code>
/// u32 crc32        CRC-32 (IEEE) of everything after it
/// i64 offset       the event's dense offset in the partition
/// i64 appendTicks  when the engine stored it (UTC ticks; retention by age, de-duplication window)
/// i64 timestamp    the producer's timestamp, UTC ticks
/// i16 minutes      the timestamp's offset from UTC
/// u8  flags        1 = asks for de-duplication, 2 = has a key, 4 = has headers
/// str id, [str key], str type, str contentType
/// [u16 count, then count × (str name, str value)]
/// i32 payload length, payload bytes
/// </code>
/// The offset in every record makes the journal self-describing: recovery needs no separate index, and a record
/// out of sequence is corruption.
/// </summary>
internal static class EventRecordCodec
{
    private const byte FlagDeduplicate = 1;
    private const byte FlagKey = 2;
    private const byte FlagHeaders = 4;
    private const int FixedBytes = 4 + 8 + 8 + 8 + 2 + 1 + 4;

    /// <summary>The smallest record (an event with empty strings and payload).</summary>
    public const int MinRecordBytes = FixedBytes;

    /// <summary>The largest record an event of <paramref name="maxEventBytes"/> (counted as in <see cref="EventSize"/>) can need.</summary>
    public static long MaxRecordBytes(int maxEventBytes) => FixedBytes + (3L * maxEventBytes) + (4 * 4) + 2 + (8L * ushort.MaxValue);

    /// <summary>Encodes the event into <paramref name="buffer"/> (grown when too small) and returns the record's length.</summary>
    public static int Encode(in EventEnvelope e, long appendTicks, ref byte[] buffer)
    {
        var headers = e.Headers is { Count: > 0 } h ? h : null;

        // An upper bound (3 UTF-8 bytes per UTF-16 char), so strings are encoded in one pass each.
        var bound = FixedBytes + MaxStringBytes(e.Id) + (e.Key is null ? 0 : MaxStringBytes(e.Key)) + MaxStringBytes(e.Type) + MaxStringBytes(e.ContentType) + e.Payload.Length;
        if (headers is not null)
        {
            if (headers.Count > ushort.MaxValue)
            {
                throw new ShoalConfigurationException("EventEnvelope.Headers", $"at most {ushort.MaxValue} headers; event '{e.Id}' has {headers.Count}.");
            }

            bound += 2;
            foreach (var (name, value) in headers)
            {
                bound += MaxStringBytes(name) + MaxStringBytes(value);
            }
        }

        if (buffer.Length < bound)
        {
            buffer = new byte[Math.Max(bound, buffer.Length * 2)];
        }

        var span = buffer.AsSpan(0, bound);
        var at = 4;
        BinaryPrimitives.WriteInt64LittleEndian(span[at..], e.Offset);
        BinaryPrimitives.WriteInt64LittleEndian(span[(at + 8)..], appendTicks);
        BinaryPrimitives.WriteInt64LittleEndian(span[(at + 16)..], e.Timestamp.UtcTicks);
        BinaryPrimitives.WriteInt16LittleEndian(span[(at + 24)..], (short)e.Timestamp.Offset.TotalMinutes);
        span[at + 26] = (byte)((e.Deduplicate ? FlagDeduplicate : 0) | (e.Key is null ? 0 : FlagKey) | (headers is null ? 0 : FlagHeaders));
        at += 27;
        at = WriteString(span, at, e.Id);
        if (e.Key is not null)
        {
            at = WriteString(span, at, e.Key);
        }

        at = WriteString(span, at, e.Type);
        at = WriteString(span, at, e.ContentType);
        if (headers is not null)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)headers.Count);
            at += 2;
            foreach (var (name, value) in headers)
            {
                at = WriteString(span, at, name);
                at = WriteString(span, at, value);
            }
        }

        BinaryPrimitives.WriteInt32LittleEndian(span[at..], e.Payload.Length);
        at += 4;
        e.Payload.Span.CopyTo(span[at..]);
        var size = at + e.Payload.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(span, Crc32.HashToUInt32(span[4..size]));
        return size;
    }

    /// <summary>
    /// Decodes a record; the payload points into <paramref name="record"/>. Returns null with a reason when the record
    /// is damaged (checksum mismatch, lengths that do not add up).
    /// </summary>
    public static EventEnvelope? TryDecode(ReadOnlyMemory<byte> record, string topic, int partition, ref DecodeCache cache, out long appendTicks, out string problem)
    {
        appendTicks = 0;
        var span = record.Span;
        if (span.Length < FixedBytes)
        {
            problem = $"record of {span.Length} bytes is shorter than the smallest record ({FixedBytes} bytes)";
            return null;
        }

        if (!ChecksumHolds(span, out problem))
        {
            return null;
        }

        try
        {
            var at = 4;
            var offset = BinaryPrimitives.ReadInt64LittleEndian(span[at..]);
            appendTicks = BinaryPrimitives.ReadInt64LittleEndian(span[(at + 8)..]);
            var utcTicks = BinaryPrimitives.ReadInt64LittleEndian(span[(at + 16)..]);
            var minutes = BinaryPrimitives.ReadInt16LittleEndian(span[(at + 24)..]);
            var flags = span[at + 26];
            at += 27;
            var id = ReadString(span, ref at);
            var key = (flags & FlagKey) != 0 ? ReadString(span, ref at) : null;
            var type = cache.Type(span, ref at);
            var contentType = cache.ContentType(span, ref at);
            Dictionary<string, string>? headers = null;
            if ((flags & FlagHeaders) != 0)
            {
                int count = BinaryPrimitives.ReadUInt16LittleEndian(span[at..]);
                at += 2;
                headers = new Dictionary<string, string>(count, StringComparer.Ordinal);
                for (var i = 0; i < count; i++)
                {
                    var name = ReadString(span, ref at);
                    headers[name] = ReadString(span, ref at);
                }
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
            at += 4;
            if (length < 0 || at + length != span.Length)
            {
                problem = $"payload length {length} does not match the record's length {span.Length}";
                return null;
            }

            problem = string.Empty;
            return new EventEnvelope(id, topic, key, type, record.Slice(at, length))
            {
                ContentType = contentType,
                Headers = headers,
                Timestamp = new DateTimeOffset(utcTicks + (minutes * TimeSpan.TicksPerMinute), TimeSpan.FromMinutes(minutes)),
                Deduplicate = (flags & FlagDeduplicate) != 0,
                Partition = partition,
                Offset = offset,
            };
        }
        catch (Exception e) when (e is ArgumentException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            problem = $"the record's lengths do not add up ({e.Message})";
            return null;
        }
    }

    /// <summary>
    /// What retention and journal truncation need of a record (its offset, append time and payload length), read
    /// without decoding its strings or touching its payload; the checksum is still checked. Returns false with a reason
    /// when the record is damaged, as <see cref="TryDecode"/> does.
    /// </summary>
    public static bool TrySkim(ReadOnlySpan<byte> span, out long offset, out long appendTicks, out int payloadLength, out string problem)
    {
        offset = appendTicks = 0;
        payloadLength = 0;
        if (span.Length < FixedBytes)
        {
            problem = $"record of {span.Length} bytes is shorter than the smallest record ({FixedBytes} bytes)";
            return false;
        }

        if (!ChecksumHolds(span, out problem))
        {
            return false;
        }

        try
        {
            offset = BinaryPrimitives.ReadInt64LittleEndian(span[4..]);
            appendTicks = BinaryPrimitives.ReadInt64LittleEndian(span[12..]);
            var flags = span[30];
            var at = 31;
            var strings = 3 + ((flags & FlagKey) != 0 ? 1 : 0);
            for (var i = 0; i < strings; i++)
            {
                ReadBytes(span, ref at);
            }

            if ((flags & FlagHeaders) != 0)
            {
                int count = BinaryPrimitives.ReadUInt16LittleEndian(span[at..]);
                at += 2;
                for (var i = 0; i < 2 * count; i++)
                {
                    ReadBytes(span, ref at);
                }
            }

            payloadLength = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
            if (payloadLength < 0 || at + 4 + payloadLength != span.Length)
            {
                problem = $"payload length {payloadLength} does not match the record's length {span.Length}";
                return false;
            }

            return true;
        }
        catch (Exception e) when (e is ArgumentException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            problem = $"the record's lengths do not add up ({e.Message})";
            return false;
        }
    }

    /// <summary>
    /// The offset a record holds, when its checksum is right (the rest is not decoded): enough to tell a record that
    /// checks out from random bytes.
    /// </summary>
    public static bool TryReadOffset(ReadOnlySpan<byte> record, out long offset)
    {
        offset = 0;
        if (record.Length < FixedBytes || BinaryPrimitives.ReadUInt32LittleEndian(record) != Crc32.HashToUInt32(record[4..]))
        {
            return false;
        }

        offset = BinaryPrimitives.ReadInt64LittleEndian(record[4..]);
        return true;
    }

    private static bool ChecksumHolds(ReadOnlySpan<byte> span, out string problem)
    {
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(span);
        var computed = Crc32.HashToUInt32(span[4..]);
        problem = stored == computed ? string.Empty : $"checksum mismatch (stored {stored:x8}, computed {computed:x8})";
        return stored == computed;
    }

    private static int MaxStringBytes(string? value) => 4 + (3 * (value?.Length ?? 0));

    private static int WriteString(Span<byte> span, int at, string? value)
    {
        var written = Encoding.UTF8.GetBytes(value ?? string.Empty, span[(at + 4)..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], written);
        return at + 4 + written;
    }

    private static ReadOnlySpan<byte> ReadBytes(ReadOnlySpan<byte> span, ref int at)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
        var bytes = span.Slice(at + 4, length);
        at += 4 + length;
        return bytes;
    }

    private static string ReadString(ReadOnlySpan<byte> span, ref int at) => Encoding.UTF8.GetString(ReadBytes(span, ref at));

    /// <summary>Reuses the last decoded type and content type strings: most events of a partition share them.</summary>
    internal struct DecodeCache
    {
        private byte[]? _typeBytes;
        private string? _type;
        private byte[]? _contentTypeBytes;
        private string? _contentType;

        public string Type(ReadOnlySpan<byte> span, ref int at) => Cached(ReadBytes(span, ref at), ref _typeBytes, ref _type);

        public string ContentType(ReadOnlySpan<byte> span, ref int at) => Cached(ReadBytes(span, ref at), ref _contentTypeBytes, ref _contentType);

        private static string Cached(ReadOnlySpan<byte> bytes, ref byte[]? lastBytes, ref string? last)
        {
            if (last is not null && bytes.SequenceEqual(lastBytes))
            {
                return last;
            }

            lastBytes = bytes.ToArray();
            return last = Encoding.UTF8.GetString(bytes);
        }
    }
}
