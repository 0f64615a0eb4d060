using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using System.Xml;
using System.Xml.Serialization;

namespace Shoal.Serialization;

/// <summary>
/// XML through <see cref="XmlSerializer"/> (one cached per type). Event types must be public with a public
/// parameterless constructor and public settable members. Input is untrusted: DTDs are prohibited and no
/// external resource is ever resolved.
/// </summary>
internal sealed class XmlEventSerializer : IEventSerializer
{
    private static readonly ConcurrentDictionary<Type, XmlSerializer> Serializers = new();

    private static readonly XmlWriterSettings WriterSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = false,
        CloseOutput = false,
    };

    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = true,
    };

    // No xmlns:xsi / xmlns:xsd on every root; XmlSerializer declares them locally where it needs them.
    private static readonly XmlSerializerNamespaces NoNamespaces = new([XmlQualifiedName.Empty]);

    public SerializationFormat Format => SerializationFormat.Xml;

    public string ContentType => ContentTypes.Xml;

    public void Serialize<T>(IBufferWriter<byte> destination, T value)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (value is null)
        {
            throw SerializationErrors.NullValue(typeof(T), ContentType);
        }

        try
        {
            var serializer = GetSerializer(typeof(T));
            using var stream = new BufferWriterStream(destination);
            using var writer = XmlWriter.Create(stream, WriterSettings);
            serializer.Serialize(writer, value, NoNamespaces);
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

        object? value;
        try
        {
            var serializer = GetSerializer(typeof(T));
            using var reader = XmlReader.Create(OpenRead(payload), ReaderSettings);
            value = serializer.Deserialize(reader);
            while (reader.Read())
            {
                // Reading to the end makes the reader reject trailing garbage or a second root element.
            }
        }
        catch (Exception ex) when (ex is not EventSerializationException)
        {
            throw SerializationErrors.Deserialize(typeof(T), ContentType, ex);
        }

        return value is T typed
            ? typed
            : throw SerializationErrors.Deserialize(typeof(T), ContentType, "payload is a nil XML document.");
    }

    private static XmlSerializer GetSerializer(Type type) => Serializers.GetOrAdd(type, static t => new XmlSerializer(t));

    private static MemoryStream OpenRead(ReadOnlyMemory<byte> payload) =>
        MemoryMarshal.TryGetArray(payload, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(payload.ToArray(), writable: false); // native memory: copy (rare)
}
