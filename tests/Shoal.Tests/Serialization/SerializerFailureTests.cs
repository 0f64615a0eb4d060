using CsCheck;
using Shoal.Serialization;
using Xunit;
using static Shoal.Tests.Serialization.SerializerTestSupport;

namespace Shoal.Tests.Serialization;

public sealed class SerializerFailureTests
{
    public static TheoryData<SerializationFormat, byte[]> MalformedPayloads => new()
    {
        { SerializationFormat.Json, Utf8("{\"orderId\": ") },
        { SerializationFormat.Json, Utf8("{\"orderId\": \"a\"} trailing") },
        { SerializationFormat.Json, Utf8("{\"customerId\": \"not a number\"}") },
        { SerializationFormat.MessagePack, [0xC1] }, // a code MessagePack never uses
        { SerializationFormat.MessagePack, [0x81, 0xA1, 0x61] }, // a map whose value is missing
        { SerializationFormat.Protobuf, [0x0F, 0x01] }, // wire type 7 does not exist
        { SerializationFormat.Protobuf, [0x0A, 0x7F, 0x41] }, // a string of 127 bytes with one present
        { SerializationFormat.Xml, Utf8("<OrderPlaced><OrderId>a</OrderId>") },
        { SerializationFormat.Xml, Utf8("not xml") },
        { SerializationFormat.Xml, Utf8("<Other />") },
    };

    [Theory]
    [MemberData(nameof(MalformedPayloads))]
    public void Malformed_payload_throws_naming_type_and_content_type(SerializationFormat format, byte[] payload) =>
        AssertDeserializeFails<OrderPlaced>(Serializers.Get(format), payload);

    [Theory]
    [MemberData(nameof(AllFormats), MemberType = typeof(SerializerTestSupport))]
    public void Truncated_payload_throws(SerializationFormat format)
    {
        var serializer = Serializers.Get(format);
        var payload = Serialize(serializer, OrderPlaced.Sample());

        // Losing the last byte always cuts a value (or, for text formats, the closing of the document) short.
        AssertDeserializeFails<OrderPlaced>(serializer, payload[..^1]);
        AssertDeserializeFails<OrderPlaced>(serializer, payload[..(payload.Length / 2)]);
    }

    [Theory]
    [InlineData(SerializationFormat.MessagePack, SerializationFormat.Json)]
    [InlineData(SerializationFormat.Json, SerializationFormat.MessagePack)]
    [InlineData(SerializationFormat.Xml, SerializationFormat.Json)]
    [InlineData(SerializationFormat.Json, SerializationFormat.Xml)]
    [InlineData(SerializationFormat.Protobuf, SerializationFormat.Xml)]
    [InlineData(SerializationFormat.Json, SerializationFormat.Protobuf)]
    public void Payload_of_another_format_throws(SerializationFormat written, SerializationFormat read)
    {
        var payload = Serialize(Serializers.Get(written), OrderPlaced.Sample());

        AssertDeserializeFails<OrderPlaced>(Serializers.Get(read), payload);
    }

    [Theory]
    [InlineData(SerializationFormat.Json)]
    [InlineData(SerializationFormat.MessagePack)]
    [InlineData(SerializationFormat.Xml)]
    public void Empty_payload_throws(SerializationFormat format) =>
        AssertDeserializeFails<OrderPlaced>(Serializers.Get(format), []);

    [Fact]
    public void Empty_protobuf_payload_is_a_message_with_default_members()
    {
        var received = Serializers.Get(SerializationFormat.Protobuf).Deserialize<OrderPlaced>(ReadOnlyMemory<byte>.Empty);

        Assert.Equal("", received.OrderId);
    }

    [Theory]
    [InlineData(SerializationFormat.Json, "null", "payload is JSON null")]
    [InlineData(SerializationFormat.MessagePack, "\u00C0", "nil")]
    [InlineData(SerializationFormat.Xml, "<OrderPlaced xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"true\" />", "nil")]
    public void Null_document_throws(SerializationFormat format, string document, string because)
    {
        var payload = format == SerializationFormat.MessagePack ? [(byte)document[0]] : Utf8(document);

        AssertDeserializeFails<OrderPlaced>(Serializers.Get(format), payload, because);
    }

    [Fact]
    public void Xml_rejects_dtds()
    {
        var payload = Utf8("""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><OrderPlaced><OrderId>&e;</OrderId></OrderPlaced>""");

        AssertDeserializeFails<OrderPlaced>(Serializers.Get(SerializationFormat.Xml), payload, "DTD");
    }

    [Theory]
    [MemberData(nameof(AllFormats), MemberType = typeof(SerializerTestSupport))]
    public void Null_value_cannot_be_serialized(SerializationFormat format)
    {
        var serializer = Serializers.Get(format);

        var ex = Assert.Throws<EventSerializationException>(() => Serialize<OrderPlaced?>(serializer, null));

        Assert.Contains("'OrderPlaced'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(serializer.ContentType, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Protobuf_type_without_a_contract_is_explained()
    {
        var ex = Assert.Throws<EventSerializationException>(
            () => Serialize(Serializers.Get(SerializationFormat.Protobuf), new PlainEvent()));

        Assert.Contains("'PlainEvent'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[ProtoContract]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Xml_type_without_a_parameterless_constructor_is_a_serialization_error()
    {
        var ex = Assert.Throws<EventSerializationException>(
            () => Serialize(Serializers.Get(SerializationFormat.Xml), new NoDefaultConstructor("x")));

        Assert.Contains("'NoDefaultConstructor'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ContentTypes.Xml, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllFormats), MemberType = typeof(SerializerTestSupport))]
    public void Arbitrary_bytes_either_decode_or_throw_EventSerializationException(SerializationFormat format)
    {
        var serializer = Serializers.Get(format);

        Gen.Byte.Array[0, 64].Sample(bytes =>
        {
            try
            {
                Assert.NotNull(serializer.Deserialize<OrderPlaced>(bytes));
            }
            catch (EventSerializationException ex)
            {
                Assert.Contains("'OrderPlaced'", ex.Message, StringComparison.Ordinal);
            }
        }, iter: 2_000);
    }
}
