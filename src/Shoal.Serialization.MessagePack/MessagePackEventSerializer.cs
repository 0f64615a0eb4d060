using System.Buffers;
using MessagePack;

namespace Shoal.Serialization;

/// <summary>MessagePack (MessagePack-CSharp). The whole payload must be exactly one value.</summary>
internal sealed class MessagePackEventSerializer : IEventSerializer
{
    private readonly MessagePackSerializerOptions _options;

    public MessagePackEventSerializer(MessagePackSerializerOptions options) => _options = options;

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
            value = MessagePackSerializer.Deserialize<T>(payload, _options, out read);
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
}
