using System.Buffers;
using System.Text.Json;
using Shoal.Serialization;
using Xunit;
using static Shoal.Tests.Serialization.SerializerTestSupport;

namespace Shoal.Tests.Serialization;

public sealed class SerializerRoundTripTests
{
    [Theory]
    [MemberData(nameof(AllFormats), MemberType = typeof(SerializerTestSupport))]
    public void Round_trips_a_representative_event(SerializationFormat format)
    {
        var serializer = Serializers.Get(format);
        var sent = OrderPlaced.Sample();

        var received = serializer.Deserialize<OrderPlaced>(Serialize(serializer, sent));

        AssertEquivalent(sent, received, withDateTimeOffset: format != SerializationFormat.Protobuf);
    }

    [Theory]
    [MemberData(nameof(AllFormats), MemberType = typeof(SerializerTestSupport))]
    public void Round_trips_null_members(SerializationFormat format)
    {
        var serializer = Serializers.Get(format);
        var sent = OrderPlaced.Sample(priority: null);

        var received = serializer.Deserialize<OrderPlaced>(Serialize(serializer, sent));

        Assert.Null(received.Priority);
        Assert.Null(received.Note);
        AssertEquivalent(sent, received, withDateTimeOffset: format != SerializationFormat.Protobuf);
    }

    [Theory]
    [MemberData(nameof(AllFormats), MemberType = typeof(SerializerTestSupport))]
    public void Reports_its_format_and_content_type(SerializationFormat format)
    {
        var serializer = Serializers.Get(format);

        Assert.Equal(format, serializer.Format);
        Assert.Equal(ContentTypeOf(format), serializer.ContentType);
    }

    [Theory]
    [MemberData(nameof(AllFormats), MemberType = typeof(SerializerTestSupport))]
    public void Appends_to_what_the_destination_already_holds(SerializationFormat format)
    {
        var serializer = Serializers.Get(format);
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write<byte>([1, 2, 3]);

        serializer.Serialize(buffer, OrderPlaced.Sample());
        serializer.Serialize(new ArrayBufferWriter<byte>(), OrderPlaced.Sample()); // reuses per-thread state

        Assert.Equal([1, 2, 3], buffer.WrittenSpan[..3].ToArray());
        var received = serializer.Deserialize<OrderPlaced>(buffer.WrittenMemory[3..]);
        Assert.Equal(OrderPlaced.Sample().OrderId, received.OrderId);
    }

    [Fact]
    public void Protobuf_accepts_data_contract_types()
    {
        var serializer = Serializers.Get(SerializationFormat.Protobuf);
        var sent = new PaymentReceived { PaymentId = "p-1", AmountCents = 12_345 };

        var received = serializer.Deserialize<PaymentReceived>(Serialize(serializer, sent));

        Assert.Equal(("p-1", 12_345L), (received.PaymentId, received.AmountCents));
    }

    [Fact]
    public void MessagePack_default_handles_plain_classes()
    {
        var serializer = Serializers.Get(SerializationFormat.MessagePack);

        var received = serializer.Deserialize<PlainEvent>(Serialize(serializer, new PlainEvent { Name = "plain" }));

        Assert.Equal("plain", received.Name);
    }

    [Fact]
    public void MessagePack_default_handles_internal_records_and_classes_as_maps_of_their_property_names()
    {
        var serializer = Serializers.Get(SerializationFormat.MessagePack);

        var record = Serialize(serializer, new InternalRecord("a", 2));
        var plain = Serialize(serializer, new InternalPlain { Name = "b" });

        Assert.Equal("""{"Name":"a","Count":2}""", MessagePack.MessagePackSerializer.ConvertToJson(record));
        Assert.Equal(new InternalRecord("a", 2), serializer.Deserialize<InternalRecord>(record));
        Assert.Equal("b", serializer.Deserialize<InternalPlain>(plain).Name);
    }

    [Fact]
    public void MessagePack_writes_only_the_public_members_of_a_public_type()
    {
        var serializer = Serializers.Get(SerializationFormat.MessagePack);

        var bytes = Serialize(serializer, new PublicWithPrivateState { Name = "c" });

        Assert.Equal("""{"Name":"c"}""", MessagePack.MessagePackSerializer.ConvertToJson(bytes));
    }

    [Fact]
    public void Json_uses_web_defaults()
    {
        var serializer = Serializers.Get(SerializationFormat.Json);

        var json = System.Text.Encoding.UTF8.GetString(Serialize(serializer, new PlainEvent { Name = "n" }));

        Assert.Equal("""{"name":"n"}""", json);
    }

    [Fact]
    public void Json_round_trips_through_a_source_generated_context()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = TestJsonContext.Default };
        var serializer = EventSerializers.CreateDefault(json: options).Get(SerializationFormat.Json);
        var sent = OrderPlaced.Sample();

        var received = serializer.Deserialize<OrderPlaced>(Serialize(serializer, sent));

        AssertEquivalent(sent, received, withDateTimeOffset: true);
    }

    [Fact]
    public void Json_with_a_source_generated_context_does_not_fall_back_to_reflection()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = TestJsonContext.Default };
        var serializer = EventSerializers.CreateDefault(json: options).Get(SerializationFormat.Json);

        var ex = Assert.Throws<EventSerializationException>(() => Serialize(serializer, new PlainEvent()));

        Assert.Contains("'PlainEvent'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ContentTypes.Json, ex.Message, StringComparison.Ordinal);
    }
}

internal sealed record InternalRecord(string Name, int Count);

internal sealed class InternalPlain
{
    public string Name { get; set; } = "";
}

public sealed class PublicWithPrivateState
{
    private readonly int _cached = 7;

    public string Name { get; set; } = "";

    public int Cached() => _cached;
}
