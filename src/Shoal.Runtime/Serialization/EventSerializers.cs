using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using MessagePack;
using MessagePack.Formatters;
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
    /// Payloads come from whoever can publish to a topic, so MessagePack options given here are always used with
    /// <see cref="MessagePackSecurity.UntrustedData"/> (hash-collision-resistant maps, a maximum nesting depth of 500; a
    /// lower <see cref="MessagePackSecurity.MaximumObjectGraphDepth"/> of theirs is kept).
    /// </summary>
    /// <exception cref="ShoalConfigurationException">
    /// <paramref name="messagePack"/> reads <see cref="object"/> with <see cref="TypelessFormatter"/> (for example
    /// <see cref="TypelessContractlessStandardResolver"/> or <see cref="TypelessObjectResolver"/>): a typeless payload names
    /// the .NET type to create, so anyone who can publish could make a consumer instantiate any type it can load.
    /// </exception>
    public static EventSerializers CreateDefault(JsonSerializerOptions? json = null, MessagePackSerializerOptions? messagePack = null)
    {
        json ??= new JsonSerializerOptions(JsonSerializerDefaults.Web);
        messagePack = messagePack is null
            ? MessagePackSerializerOptions.Standard.WithResolver(ContractlessAnyVisibilityResolver.Instance).WithSecurity(MessagePackSecurity.UntrustedData)
            : ForUntrustedData(messagePack);

        IEventSerializer[] byFormat = new IEventSerializer[4];
        byFormat[(int)SerializationFormat.Json] = new JsonEventSerializer(json);
        byFormat[(int)SerializationFormat.MessagePack] = new MessagePackEventSerializer(messagePack);
        byFormat[(int)SerializationFormat.Protobuf] = new ProtobufEventSerializer();
        byFormat[(int)SerializationFormat.Xml] = new XmlEventSerializer();
        return new EventSerializers(byFormat);
    }

    /// <summary>
    /// <paramref name="options"/> with <see cref="MessagePackSecurity.UntrustedData"/> in force (its own depth limit when
    /// lower); refused when <c>object</c> is read typeless.
    /// </summary>
    private static MessagePackSerializerOptions ForUntrustedData(MessagePackSerializerOptions options)
    {
        if (options.Resolver is TypelessContractlessStandardResolver or TypelessObjectResolver
            || options.Resolver?.GetFormatter<object>() is TypelessFormatter)
        {
            throw new ShoalConfigurationException("messagePack",
                "a typeless resolver (TypelessContractlessStandardResolver, TypelessObjectResolver, or TypelessFormatter for object) " +
                "lets a payload name the type a consumer creates; use a resolver without it, e.g. ContractlessStandardResolver.");
        }

        var untrusted = MessagePackSecurity.UntrustedData;
        var security = options.Security;
        if (security.GetType() == typeof(MessagePackSecurity) && security.HashCollisionResistant
            && security.MaximumObjectGraphDepth <= untrusted.MaximumObjectGraphDepth)
        {
            return options;
        }

        return options.WithSecurity(untrusted.WithMaximumObjectGraphDepth(Math.Min(security.MaximumObjectGraphDepth, untrusted.MaximumObjectGraphDepth)));
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
