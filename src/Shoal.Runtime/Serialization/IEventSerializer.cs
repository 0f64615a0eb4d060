using System.Buffers;

namespace Shoal.Serialization;

/// <summary>Turns events into payload bytes and back, in one <see cref="SerializationFormat"/>.</summary>
/// <remarks>
/// Implementations are thread-safe. Every failure, in either direction, is an
/// <see cref="EventSerializationException"/> naming the CLR type, the content type and the cause; a payload
/// that decodes to no value (a JSON <c>null</c>, a MessagePack nil, an <c>xsi:nil</c> root) is an error too,
/// so <see cref="Deserialize{T}"/> never returns null.
/// </remarks>
public interface IEventSerializer
{
    /// <summary>The format this serializer writes and reads.</summary>
    SerializationFormat Format { get; }

    /// <summary>The content type written into the envelope, one of <see cref="ContentTypes"/>.</summary>
    string ContentType { get; }

    /// <summary>
    /// Writes <paramref name="value"/> to <paramref name="destination"/>. On failure the destination may hold
    /// part of the output; discard it.
    /// </summary>
    /// <exception cref="EventSerializationException">The value is null or its type cannot be serialized in this format.</exception>
    void Serialize<T>(IBufferWriter<byte> destination, T value);

    /// <summary>Reads one <typeparamref name="T"/> from the whole of <paramref name="payload"/>.</summary>
    /// <exception cref="EventSerializationException">The payload is malformed, truncated, of another format, or decodes to null.</exception>
    T Deserialize<T>(ReadOnlyMemory<byte> payload);
}
