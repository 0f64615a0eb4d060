using System.Buffers;
using System.Text;
using Shoal.Serialization;
using Xunit;

namespace Shoal.Tests.Serialization;

internal static class SerializerTestSupport
{
    public static readonly EventSerializers Serializers = EventSerializers.CreateDefault().WithMessagePack().WithProtobuf();

    public static TheoryData<SerializationFormat> AllFormats => new(Enum.GetValues<SerializationFormat>());

    public static string ContentTypeOf(SerializationFormat format) => format switch
    {
        SerializationFormat.Json => ContentTypes.Json,
        SerializationFormat.MessagePack => ContentTypes.MessagePack,
        SerializationFormat.Protobuf => ContentTypes.Protobuf,
        SerializationFormat.Xml => ContentTypes.Xml,
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static byte[] Serialize<T>(IEventSerializer serializer, T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        serializer.Serialize(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static void AssertDeserializeFails<T>(IEventSerializer serializer, byte[] payload, string? because = null)
    {
        var ex = Assert.Throws<EventSerializationException>(() => serializer.Deserialize<T>(payload));
        Assert.Contains($"'{typeof(T).Name}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(serializer.ContentType, ex.Message, StringComparison.Ordinal);
        if (because is not null)
        {
            Assert.Contains(because, ex.Message, StringComparison.Ordinal);
        }
    }

    public static void AssertEquivalent(OrderPlaced expected, OrderPlaced actual, bool withDateTimeOffset)
    {
        Assert.Equal(expected.OrderId, actual.OrderId);
        Assert.Equal(expected.CustomerId, actual.CustomerId);
        Assert.Equal(expected.Total, actual.Total);
        Assert.Equal(expected.Weight, actual.Weight);
        Assert.Equal(expected.PlacedAtUtc.Ticks, actual.PlacedAtUtc.Ticks);
        Assert.Equal(expected.Priority, actual.Priority);
        Assert.Equal(expected.Note, actual.Note);
        Assert.Equal(expected.Lines.Select(l => (l.Sku, l.Quantity)), actual.Lines.Select(l => (l.Sku, l.Quantity)));
        if (withDateTimeOffset)
        {
            Assert.Equal(expected.PlacedAt, actual.PlacedAt);
            Assert.Equal(expected.PlacedAt.Offset, actual.PlacedAt.Offset);
        }
    }
}
