using Shoal.Serialization;
using Xunit;

namespace Shoal.Tests.Serialization;

public sealed class EventSerializersTests
{
    private readonly EventSerializers _serializers = EventSerializers.CreateDefault().WithMessagePack().WithProtobuf();

    [Theory]
    [InlineData(SerializationFormat.Json, ContentTypes.Json)]
    [InlineData(SerializationFormat.MessagePack, ContentTypes.MessagePack)]
    [InlineData(SerializationFormat.Protobuf, ContentTypes.Protobuf)]
    [InlineData(SerializationFormat.Xml, ContentTypes.Xml)]
    public void Get_and_TryGetByContentType_find_the_same_serializer(SerializationFormat format, string contentType)
    {
        var byFormat = _serializers.Get(format);

        Assert.True(_serializers.TryGetByContentType(contentType, out var byContentType));
        Assert.Same(byFormat, byContentType);
        Assert.Equal(format, byFormat.Format);
        Assert.Equal(contentType, byFormat.ContentType);
    }

    [Theory]
    [InlineData("Application/JSON; charset=utf-8", SerializationFormat.Json)]
    [InlineData(" application/x-msgpack ", SerializationFormat.MessagePack)]
    [InlineData("application/vnd.msgpack", SerializationFormat.MessagePack)]
    [InlineData("application/protobuf", SerializationFormat.Protobuf)]
    [InlineData("text/xml; charset=utf-8", SerializationFormat.Xml)]
    public void TryGetByContentType_ignores_case_and_parameters_and_knows_aliases(string contentType, SerializationFormat format)
    {
        Assert.True(_serializers.TryGetByContentType(contentType, out var serializer));
        Assert.Equal(format, serializer.Format);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("")]
    [InlineData("application/jsonx")]
    public void TryGetByContentType_is_false_for_unknown_content_types(string contentType)
    {
        Assert.False(_serializers.TryGetByContentType(contentType, out var serializer));
        Assert.Null(serializer);
    }

    [Fact]
    public void Get_rejects_an_undefined_format()
    {
        var ex = Assert.Throws<ShoalConfigurationException>(() => _serializers.Get((SerializationFormat)42));

        Assert.Equal("format", ex.Field);
    }
}

public sealed class MessagePackOptionsTests
{
    /// <summary>600 nested one-element arrays around an empty one: deeper than UntrustedData's limit of 500.</summary>
    private static readonly byte[] DeeplyNested = [.. Enumerable.Repeat((byte)0x91, 600), 0x90];

    [Fact]
    public void Options_a_caller_marks_as_trusted_still_refuse_nesting_deeper_than_the_untrusted_limit()
    {
        var trusted = MessagePack.MessagePackSerializerOptions.Standard
            .WithResolver(MessagePack.Resolvers.ContractlessStandardResolver.Instance)
            .WithSecurity(MessagePack.MessagePackSecurity.TrustedData);
        var serializer = EventSerializers.CreateDefault().WithMessagePack(trusted).Get(SerializationFormat.MessagePack);

        Assert.Throws<EventSerializationException>(() => serializer.Deserialize<object>(DeeplyNested));
        Assert.Equal([1], serializer.Deserialize<int[]>(new byte[] { 0x91, 0x01 }));
    }

    [Fact]
    public void A_lower_depth_limit_of_the_caller_is_kept()
    {
        var shallow = MessagePack.MessagePackSerializerOptions.Standard
            .WithSecurity(MessagePack.MessagePackSecurity.TrustedData.WithMaximumObjectGraphDepth(3));
        var serializer = EventSerializers.CreateDefault().WithMessagePack(shallow).Get(SerializationFormat.MessagePack);

        Assert.Throws<EventSerializationException>(() => serializer.Deserialize<object>(DeeplyNested.AsSpan(596).ToArray()));
    }

    public static TheoryData<string> TypelessOptions => ["TypelessContractlessStandardResolver", "TypelessObjectResolver", "a composite with TypelessFormatter"];

    [Theory]
    [MemberData(nameof(TypelessOptions))]
    public void Typeless_options_are_refused_naming_messagePack(string options)
    {
        var typeless = MessagePack.MessagePackSerializerOptions.Standard.WithResolver(options switch
        {
            "TypelessContractlessStandardResolver" => MessagePack.Resolvers.TypelessContractlessStandardResolver.Instance,
            "TypelessObjectResolver" => MessagePack.Resolvers.TypelessObjectResolver.Instance,
            _ => MessagePack.Resolvers.CompositeResolver.Create(
                [MessagePack.Formatters.TypelessFormatter.Instance], [MessagePack.Resolvers.ContractlessStandardResolver.Instance]),
        });

        var error = Assert.Throws<ShoalConfigurationException>(() => EventSerializers.CreateDefault().WithMessagePack(typeless));

        Assert.Equal("messagePack", error.Field);
        Assert.Contains("typeless", error.Message, StringComparison.Ordinal);
    }
}
