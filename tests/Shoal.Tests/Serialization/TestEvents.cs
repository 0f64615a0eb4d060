using System.Runtime.Serialization;
using System.Text.Json.Serialization;
using ProtoBuf;

namespace Shoal.Tests.Serialization;

// One event type every format can carry: public with a parameterless constructor and settable members (XML),
// protobuf member numbers (protobuf-net), plain properties (JSON, contractless MessagePack).
[ProtoContract]
public sealed class OrderPlaced
{
    [ProtoMember(1)]
    public string OrderId { get; set; } = "";

    [ProtoMember(2)]
    public long CustomerId { get; set; }

    [ProtoMember(3)]
    public decimal Total { get; set; }

    [ProtoMember(4)]
    public double Weight { get; set; }

    [ProtoMember(5)]
    public DateTime PlacedAtUtc { get; set; }

    [ProtoMember(6)]
    public List<OrderLine> Lines { get; set; } = [];

    [ProtoMember(7)]
    public int? Priority { get; set; }

    [ProtoMember(8)]
    public string? Note { get; set; }

    // protobuf has no DateTimeOffset mapping (see ProtobufEventSerializer); the other formats carry it.
    [ProtoIgnore]
    public DateTimeOffset PlacedAt { get; set; }

    public static OrderPlaced Sample(int? priority = 3) => new()
    {
        OrderId = "order-42 ✓ «ü»",
        CustomerId = 9_007_199_254_740_993,
        Total = 1234.56m,
        Weight = 0.1 + 0.2,
        PlacedAtUtc = new DateTime(2025, 3, 14, 15, 9, 26, 535, DateTimeKind.Utc),
        PlacedAt = new DateTimeOffset(2025, 3, 14, 15, 9, 26, 535, TimeSpan.FromHours(2)),
        Lines = [new OrderLine { Sku = "A-1", Quantity = 2 }, new OrderLine { Sku = "B-2", Quantity = 1 }],
        Priority = priority,
        Note = priority is null ? null : "leave at the door",
    };
}

[ProtoContract]
public sealed class OrderLine
{
    [ProtoMember(1)]
    public string Sku { get; set; } = "";

    [ProtoMember(2)]
    public int Quantity { get; set; }
}

/// <summary>A [DataContract] type, the other contract protobuf-net accepts.</summary>
[DataContract]
public sealed class PaymentReceived
{
    [DataMember(Order = 1)]
    public string PaymentId { get; set; } = "";

    [DataMember(Order = 2)]
    public long AmountCents { get; set; }
}

/// <summary>No protobuf contract at all.</summary>
public sealed class PlainEvent
{
    public string Name { get; set; } = "";
}

/// <summary>XmlSerializer cannot build one (no parameterless constructor).</summary>
public sealed class NoDefaultConstructor(string name)
{
    public string Name { get; } = name;
}

[JsonSerializable(typeof(OrderPlaced))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
