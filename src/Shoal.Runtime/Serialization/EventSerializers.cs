using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using MessagePack;
using MessagePack.Resolvers;

namespace Shoal.Serialization;

/// <summary>The serializer for each <see cref="SerializationFormat"/>, found by format (publishing) or by content type (consuming).</summary>
public sealed class EventSerializers
{
    private readonly IEventSerializer[] _byFormat;

    private EventSerializers(IEventSerializer[] byFormat) => _byFormat = byFormat;

    /// <summary>
    /// JSON with <paramref name="json"/> (default <see cref="JsonSerializerDefaults.Web"/>; pass options whose
    /// <c>TypeInfoResolver</c> is a source-generated context for trimming/AOT), MessagePack with
    /// <paramref name="messagePack"/> (default: standard options, contractless so plain classes work — public types through
    /// <see cref="ContractlessStandardResolver"/>, non-public ones such as internal records through
    /// <see cref="ContractlessStandardResolverAllowPrivate"/> — and <see cref="MessagePackSecurity.UntrustedData"/>),
    /// protobuf-net, and XML (public types only: <see cref="System.Xml.Serialization.XmlSerializer"/>).
    /// </summary>
    public static EventSerializers CreateDefault(JsonSerializerOptions? json = null, MessagePackSerializerOptions? messagePack = null)
    {
        json ??= new JsonSerializerOptions(JsonSerializerDefaults.Web);
        messagePack ??= MessagePackSerializerOptions.Standard
            .WithResolver(ContractlessAnyVisibilityResolver.Instance)
            .WithSecurity(MessagePackSecurity.UntrustedData);

        IEventSerializer[] byFormat = new IEventSerializer[4];
        byFormat[(int)SerializationFormat.Json] = new JsonEventSerializer(json);
        byFormat[(int)SerializationFormat.MessagePack] = new MessagePackEventSerializer(messagePack);
        byFormat[(int)SerializationFormat.Protobuf] = new ProtobufEventSerializer();
        byFormat[(int)SerializationFormat.Xml] = new XmlEventSerializer();
        return new EventSerializers(byFormat);
    }

    /// <summary>The serializer for <paramref name="format"/>.</summary>
    /// <exception cref="ShoalConfigurationException"><paramref name="format"/> is not a defined format.</exception>
    public IEventSerializer Get(SerializationFormat format)
    {
        if ((uint)format >= (uint)_byFormat.Length)
        {
            throw new ShoalConfigurationException(nameof(format),
                $"'{format}' is not one of {string.Join(", ", Enum.GetNames<SerializationFormat>())}.");
        }

        return _byFormat[(int)format];
    }

    /// <summary>
    /// The serializer for a content type: one of <see cref="ContentTypes"/>, compared without case and ignoring
    /// parameters such as <c>; charset=utf-8</c>; <c>text/json</c>, <c>application/msgpack</c>,
    /// <c>application/vnd.msgpack</c>, <c>application/protobuf</c>, <c>application/vnd.google.protobuf</c> and
    /// <c>text/xml</c> are accepted as aliases. False for anything else.
    /// </summary>
    public bool TryGetByContentType(string contentType, [NotNullWhen(true)] out IEventSerializer? serializer)
    {
        var format = contentType switch
        {
            ContentTypes.Json => SerializationFormat.Json,
            ContentTypes.MessagePack => SerializationFormat.MessagePack,
            ContentTypes.Protobuf => SerializationFormat.Protobuf,
            ContentTypes.Xml => SerializationFormat.Xml,
            null => (SerializationFormat?)null,
            _ => Normalize(contentType),
        };

        serializer = format is { } f ? _byFormat[(int)f] : null;
        return serializer is not null;
    }

    private static SerializationFormat? Normalize(string contentType)
    {
        var semicolon = contentType.IndexOf(';');
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim().ToLowerInvariant();
        return mediaType switch
        {
            ContentTypes.Json or "text/json" => SerializationFormat.Json,
            ContentTypes.MessagePack or "application/msgpack" or "application/vnd.msgpack" => SerializationFormat.MessagePack,
            ContentTypes.Protobuf or "application/protobuf" or "application/vnd.google.protobuf" => SerializationFormat.Protobuf,
            ContentTypes.Xml or "text/xml" => SerializationFormat.Xml,
            _ => null,
        };
    }
}
