using System.Buffers.Binary;
using MessagePack;
using Shoal.Serialization;
using Xunit;

namespace Shoal.Tests.Serialization;

/// <summary>
/// A consumer whose MessagePack options compress with LZ4 reads whatever a publisher wrote: a few bytes whose LZ4 header
/// claims a huge uncompressed length must be refused as a bad payload, without the consumer allocating that length.
/// </summary>
public sealed class MessagePackCompressionTests
{
    /// <summary>Far below what any of these payloads claims; the real work of refusing them is a few KB.</summary>
    private const long AllocationBudget = 4 * 1024 * 1024;

    public static TheoryData<MessagePackCompression, int> Claims => new()
    {
        { MessagePackCompression.Lz4Block, 2_000_000_000 },
        { MessagePackCompression.Lz4Block, 100_000_000 },
        { MessagePackCompression.Lz4BlockArray, 2_000_000_000 },
        { MessagePackCompression.Lz4BlockArray, 100_000_000 },
        { MessagePackCompression.Lz4Block, 60_000_000 }, // under MessagePack's own limit for untrusted data (64 MiB)
        { MessagePackCompression.Lz4BlockArray, 60_000_000 },
        { MessagePackCompression.Lz4Block, 8_000 },
    };

    [Theory]
    [MemberData(nameof(Claims))]
    public void A_payload_claiming_a_huge_uncompressed_length_is_refused_without_allocating_it(MessagePackCompression compression, int claimed)
    {
        var options = MessagePackSerializerOptions.Standard.WithResolver(MessagePack.Resolvers.ContractlessStandardResolver.Instance).WithCompression(compression);
        var serializer = EventSerializers.CreateDefault().WithMessagePack(options).Get(SerializationFormat.MessagePack);
        var payload = compression == MessagePackCompression.Lz4Block ? Lz4Block(claimed) : Lz4BlockArray(claimed);
        serializer.Deserialize<OrderPlaced>(Lz4BlockOf(options)); // warm up: formatters built, pools filled

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<EventSerializationException>(() => serializer.Deserialize<OrderPlaced>(payload));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("'OrderPlaced'", error.Message, StringComparison.Ordinal);
        Assert.Contains(ContentTypes.MessagePack, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("memory", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(allocated < AllocationBudget, $"refusing {payload.Length} bytes that claim {claimed:N0} uncompressed allocated {allocated:N0} bytes");
    }

    [Theory]
    [InlineData(MessagePackCompression.Lz4Block)]
    [InlineData(MessagePackCompression.Lz4BlockArray)]
    public void An_event_compressed_at_LZ4s_best_ratio_still_round_trips(MessagePackCompression compression)
    {
        var options = MessagePackSerializerOptions.Standard.WithResolver(MessagePack.Resolvers.ContractlessStandardResolver.Instance).WithCompression(compression);
        var serializer = EventSerializers.CreateDefault().WithMessagePack(options).Get(SerializationFormat.MessagePack);
        var original = new OrderPlaced { OrderId = new string('o', 4 << 20) }; // one repeated byte: LZ4's best ratio
        var payload = MessagePackSerializer.Serialize(original, options);
        Assert.True(payload.Length * 200L < original.OrderId.Length, $"{payload.Length} bytes: not compressed near LZ4's limit");

        Assert.Equal(original.OrderId, serializer.Deserialize<OrderPlaced>(payload).OrderId);
    }

    /// <summary>A real compressed event, to warm up the same path.</summary>
    private static byte[] Lz4BlockOf(MessagePackSerializerOptions options) =>
        MessagePackSerializer.Serialize(new OrderPlaced { OrderId = new string('o', 200) }, options);

    /// <summary>ext 99 (Lz4Block): int32 uncompressed length, then the LZ4 data (here four bytes of it).</summary>
    private static byte[] Lz4Block(int claimed)
    {
        byte[] payload = [0xC7, 9, 99, 0xD2, 0, 0, 0, 0, 0x10, 0, 0, 0];
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(4), claimed);
        return payload;
    }

    /// <summary>array [ext 98 (Lz4BlockArray): the int32 uncompressed length of each block, then each block as bin].</summary>
    private static byte[] Lz4BlockArray(int claimed)
    {
        byte[] payload = [0x92, 0xC7, 5, 98, 0xD2, 0, 0, 0, 0, 0xC4, 4, 0x10, 0, 0, 0];
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(5), claimed);
        return payload;
    }
}
