using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Shoal.Serialization;

/// <summary>
/// The serializer for each <see cref="SerializationFormat"/>, found by format (publishing) or by content type (consuming).
/// Immutable: <see cref="With"/> returns a copy.
/// </summary>
/// <remarks>
/// Shoal.Runtime reads and writes JSON and XML. MessagePack and protobuf are separate packages, so an application that
/// uses neither does not depend on their libraries: Shoal.Serialization.MessagePack adds
/// <c>UseMessagePack()</c> (on <see cref="ShoalOptions"/>) and <c>WithMessagePack()</c> (on this type),
/// Shoal.Serialization.Protobuf adds <c>UseProtobuf()</c> and <c>WithProtobuf()</c>.
/// </remarks>
public sealed class EventSerializers
{
    private static readonly SerializationFormat[] Formats = Enum.GetValues<SerializationFormat>();

    private readonly IEventSerializer?[] _byFormat;

    private EventSerializers(IEventSerializer?[] byFormat) => _byFormat = byFormat;

    /// <summary>
    /// JSON with <paramref name="json"/> (default <see cref="JsonSerializerDefaults.Web"/>; pass options whose
    /// <c>TypeInfoResolver</c> is a source-generated context for trimming/AOT), and XML (public types only:
    /// <see cref="System.Xml.Serialization.XmlSerializer"/>). Add MessagePack or protobuf with their packages.
    /// </summary>
    public static EventSerializers CreateDefault(JsonSerializerOptions? json = null)
    {
        json ??= new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var byFormat = new IEventSerializer?[Formats.Length];
        byFormat[(int)SerializationFormat.Json] = new JsonEventSerializer(json);
        byFormat[(int)SerializationFormat.Xml] = new XmlEventSerializer();
        return new EventSerializers(byFormat);
    }

    /// <summary>
    /// A copy that uses <paramref name="serializer"/> for its <see cref="IEventSerializer.Format"/>, in place of the
    /// one there, if any. Its <see cref="IEventSerializer.ContentType"/> must be that format's (one of <see cref="ContentTypes"/>),
    /// so what it writes is read back by the same format.
    /// </summary>
    /// <exception cref="ShoalConfigurationException">The format is undefined, or the content type is not the format's.</exception>
    public EventSerializers With(IEventSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        var format = serializer.Format;
        if (!Enum.IsDefined(format))
        {
            throw new ShoalConfigurationException("serializer",
                $"format '{format}' is not one of {string.Join(", ", Enum.GetNames<SerializationFormat>())}.");
        }

        if (FormatOf(serializer.ContentType) != format)
        {
            throw new ShoalConfigurationException("serializer",
                $"the {format} serializer writes content type '{serializer.ContentType}'; it must write {ContentTypeOf(format)}.");
        }

        var byFormat = (IEventSerializer?[])_byFormat.Clone();
        byFormat[(int)format] = serializer;
        return new EventSerializers(byFormat);
    }

    /// <summary>True when there is a serializer for <paramref name="format"/>.</summary>
    internal bool Contains(SerializationFormat format) => (uint)format < (uint)_byFormat.Length && _byFormat[(int)format] is not null;

    /// <summary>The serializer for <paramref name="format"/>.</summary>
    /// <exception cref="ShoalConfigurationException">
    /// <paramref name="format"/> is not a defined format, or its serializer is not added (the message names the package to add).
    /// </exception>
    public IEventSerializer Get(SerializationFormat format)
    {
        if ((uint)format >= (uint)_byFormat.Length)
        {
            throw new ShoalConfigurationException(nameof(format),
                $"'{format}' is not one of {string.Join(", ", Enum.GetNames<SerializationFormat>())}.");
        }

        return _byFormat[(int)format] ?? throw new ShoalConfigurationException(nameof(format), Missing(format, ContentTypeOf(format)));
    }

    /// <summary>
    /// The serializer for a content type: one of <see cref="ContentTypes"/>, compared without case and ignoring
    /// parameters such as <c>; charset=utf-8</c>; <c>text/json</c>, <c>application/msgpack</c>,
    /// <c>application/vnd.msgpack</c>, <c>application/protobuf</c>, <c>application/vnd.google.protobuf</c> and
    /// <c>text/xml</c> are accepted as aliases. False for anything else, and for a format whose serializer is not added.
    /// </summary>
    public bool TryGetByContentType(string contentType, [NotNullWhen(true)] out IEventSerializer? serializer)
    {
        serializer = FormatOf(contentType) is { } f ? _byFormat[(int)f] : null;
        return serializer is not null;
    }

    /// <summary>
    /// Why no serializer reads <paramref name="contentType"/>: the package and call that add its format, or, for a content
    /// type of no known format, the content types this instance reads.
    /// </summary>
    internal string Unreadable(string contentType)
    {
        if (FormatOf(contentType) is { } format)
        {
            return Missing(format, contentType);
        }

        var readable = Formats.Where(Contains).Select(ContentTypeOf);
        return $"unsupported content type '{contentType}' (this node reads {string.Join(", ", readable)}).";
    }

    /// <summary>Why <paramref name="format"/> cannot be used: the package and call that add it.</summary>
    internal static string Missing(SerializationFormat format) => Missing(format, ContentTypeOf(format));

    private static string Missing(SerializationFormat format, string contentType) => format switch
    {
        SerializationFormat.MessagePack => $"content type {contentType} needs the Shoal.Serialization.MessagePack package: " +
            "add it and call UseMessagePack() on the ShoalOptions (with Shoal.Hosting: Configure(o => o.UseMessagePack())).",
        SerializationFormat.Protobuf => $"content type {contentType} needs the Shoal.Serialization.Protobuf package: " +
            "add it and call UseProtobuf() on the ShoalOptions (with Shoal.Hosting: Configure(o => o.UseProtobuf())).",
        _ => $"content type {contentType} has no serializer; add one for {format} with EventSerializers.With.",
    };

    private static string ContentTypeOf(SerializationFormat format) => format switch
    {
        SerializationFormat.Json => ContentTypes.Json,
        SerializationFormat.MessagePack => ContentTypes.MessagePack,
        SerializationFormat.Protobuf => ContentTypes.Protobuf,
        SerializationFormat.Xml => ContentTypes.Xml,
        _ => format.ToString(),
    };

    private static SerializationFormat? FormatOf(string contentType) => contentType switch
    {
        ContentTypes.Json => SerializationFormat.Json,
        ContentTypes.MessagePack => SerializationFormat.MessagePack,
        ContentTypes.Protobuf => SerializationFormat.Protobuf,
        ContentTypes.Xml => SerializationFormat.Xml,
        null => null,
        _ => Normalize(contentType),
    };

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
