using System.Buffers;
using MessagePack;

namespace Shoal.Serialization;

/// <summary>MessagePack (MessagePack-CSharp). The whole payload must be exactly one value.</summary>
internal sealed class MessagePackEventSerializer : IEventSerializer
{
    /// <summary>
    /// LZ4 turns at most 255 bytes of output from each byte of a block (a match length grows by 255 per extra byte);
    /// 264 per byte plus a little covers each sequence's fixed part. A payload that declares more than that cannot be valid.
    /// </summary>
    private const long Lz4MaxRatio = 264;

    private readonly MessagePackSerializerOptions _options;

    /// <summary>
    /// With LZ4 compression: the options with <see cref="MessagePackSecurity.MaximumDecompressedSize"/> lowered to what a
    /// payload of up to 2^i bytes can decompress to, at index i (built on first use).
    /// </summary>
    private readonly MessagePackSerializerOptions?[]? _byPayloadSize;

    public MessagePackEventSerializer(MessagePackSerializerOptions options)
    {
        _options = options;
        _byPayloadSize = options.Compression == MessagePackCompression.None ? null : new MessagePackSerializerOptions?[32];
    }

    public SerializationFormat Format => SerializationFormat.MessagePack;

    public string ContentType => ContentTypes.MessagePack;

    public void Serialize<T>(IBufferWriter<byte> destination, T value)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (value is null)
        {
            throw SerializationErrors.NullValue(typeof(T), ContentType);
        }

        try
        {
            MessagePackSerializer.Serialize(destination, value, _options);
        }
        catch (Exception ex) when (ex is not EventSerializationException)
        {
            throw SerializationErrors.Serialize(typeof(T), ContentType, ex);
        }
    }

    public T Deserialize<T>(ReadOnlyMemory<byte> payload)
    {
        if (payload.IsEmpty)
        {
            throw SerializationErrors.Deserialize(typeof(T), ContentType, "payload is empty.");
        }

        T value;
        int read;
        try
        {
            value = MessagePackSerializer.Deserialize<T>(payload, OptionsFor(payload.Length), out read);
        }
        catch (Exception ex) when (ex is not EventSerializationException)
        {
            throw SerializationErrors.Deserialize(typeof(T), ContentType, ex);
        }

        if (read != payload.Length)
        {
            throw SerializationErrors.Deserialize(typeof(T), ContentType,
                $"{payload.Length - read} unexpected bytes after the value (read {read} of {payload.Length}).");
        }

        return value ?? throw SerializationErrors.Deserialize(typeof(T), ContentType, "payload is MessagePack nil.");
    }

    /// <summary>
    /// The options to read a payload of <paramref name="length"/> bytes with. MessagePack allocates the uncompressed length
    /// an LZ4 block declares before decoding it (up to <see cref="MessagePackSecurity.MaximumDecompressedSize"/>, 64 MiB
    /// for untrusted data), so a 12-byte payload could make a consumer allocate 64 MiB; a declared length no LZ4 block of
    /// the payload's size can produce is refused before anything is allocated.
    /// </summary>
    private MessagePackSerializerOptions OptionsFor(int length)
    {
        if (_byPayloadSize is null)
        {
            return _options;
        }

        var bucket = length <= 1 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)length - 1);
        if (_byPayloadSize[bucket] is { } cached)
        {
            return cached;
        }

        var security = _options.Security;
        var limit = (int)Math.Min(security.MaximumDecompressedSize, (Lz4MaxRatio << bucket) + 64);
        var options = _options.WithSecurity(security.WithMaximumDecompressedSize(limit));
        Volatile.Write(ref _byPayloadSize[bucket], options);
        return options;
    }
}
