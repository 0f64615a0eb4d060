using System.Buffers;
using ProtoBuf;
using ProtoBuf.Meta;

namespace Shoal.Serialization;

/// <summary>
/// Protocol Buffers through protobuf-net (the default <see cref="RuntimeTypeModel"/>).
/// </summary>
/// <remarks>
/// An event type needs a contract protobuf-net understands: <c>[ProtoContract]</c> with <c>[ProtoMember(n)]</c>
/// on its members, or <c>[DataContract]</c> with <c>[DataMember(Order = n)]</c>, or a record-like type whose
/// constructor parameters match its properties in order (auto-tuple). Anything else fails with an
/// <see cref="EventSerializationException"/> that says so. <see cref="DateTimeOffset"/> has no protobuf
/// mapping: carry <see cref="DateTime"/> (UTC) or a Unix timestamp in protobuf events.
/// An empty payload is a valid message whose members all have their default values.
/// </remarks>
internal sealed class ProtobufEventSerializer : IEventSerializer
{
    private const string ContractHint =
        "A protobuf event type needs [ProtoContract] with [ProtoMember(n)] members, or [DataContract] with [DataMember(Order = n)] members, " +
        "and every member of a type protobuf-net can encode (DateTimeOffset is not one: use DateTime in UTC or a Unix timestamp).";

    public SerializationFormat Format => SerializationFormat.Protobuf;

    public string ContentType => ContentTypes.Protobuf;

    public void Serialize<T>(IBufferWriter<byte> destination, T value)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (value is null)
        {
            throw SerializationErrors.NullValue(typeof(T), ContentType);
        }

        try
        {
            Serializer.Serialize(destination, value);
        }
        catch (Exception ex) when (ex is not EventSerializationException)
        {
            throw SerializationErrors.Serialize(typeof(T), ContentType, Cause<T>(ex), ex);
        }
    }

    public T Deserialize<T>(ReadOnlyMemory<byte> payload)
    {
        T value;
        try
        {
            value = Serializer.Deserialize<T>(payload);
        }
        catch (Exception ex) when (ex is not EventSerializationException)
        {
            throw SerializationErrors.Deserialize(typeof(T), ContentType, Cause<T>(ex), ex);
        }

        return value ?? throw SerializationErrors.Deserialize(typeof(T), ContentType, "payload decoded to null.");
    }

    private static string Cause<T>(Exception ex)
    {
        var cause = SerializationErrors.Describe(ex);
        if (CanSerialize(typeof(T)))
        {
            return cause;
        }

        return cause.EndsWith('.') ? $"{cause} {ContractHint}" : $"{cause}. {ContractHint}";
    }

    private static bool CanSerialize(Type type)
    {
        try
        {
            return RuntimeTypeModel.Default.CanSerialize(type);
        }
        catch (Exception)
        {
            return false;
        }
    }
}
