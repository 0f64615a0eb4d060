using Shoal.Serialization;
using Xunit;

namespace Shoal.Tests.Serialization;

public sealed class EventSerializersTests
{
    private readonly EventSerializers _serializers = EventSerializers.CreateDefault();

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
