using Shoal.Serialization;

namespace Shoal;

/// <summary>Adds Protocol Buffers (<see cref="SerializationFormat.Protobuf"/>, <see cref="ContentTypes.Protobuf"/>) to Shoal's serializers.</summary>
public static class ProtobufSerialization
{
    /// <summary>
    /// <paramref name="options"/> whose <see cref="ShoalOptions.Serializers"/> (the default ones when unset) also read and
    /// write protobuf, as <see cref="WithProtobuf"/>.
    /// </summary>
    public static ShoalOptions UseProtobuf(this ShoalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { Serializers = (options.Serializers ?? EventSerializers.CreateDefault()).WithProtobuf() };
    }

    /// <summary><paramref name="serializers"/> with a protobuf-net serializer (its default <c>RuntimeTypeModel</c>).</summary>
    public static EventSerializers WithProtobuf(this EventSerializers serializers)
    {
        ArgumentNullException.ThrowIfNull(serializers);
        return serializers.With(new ProtobufEventSerializer());
    }
}
