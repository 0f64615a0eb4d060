using Shoal.Engine;
using Xunit;

namespace Shoal.Tests.Abstractions;

/// <summary>
/// Generated ids are kept as a sequence and a number and formatted when read: what a reader sees (the text, equality,
/// hashing, lengths, rule checks) must be what it saw when the id was a string from the start.
/// </summary>
public sealed class EventIdSequenceTests
{
    [Fact]
    public void A_generated_id_reads_as_the_prefix_and_the_counter_in_16_hex_digits_each()
    {
        var ids = new EventIdSequence(0x0123456789abcdef);

        var first = new EventEnvelope(ids, "t", "k", "e", ReadOnlyMemory<byte>.Empty);
        var second = new EventEnvelope(ids, "t", "k", "e", ReadOnlyMemory<byte>.Empty);

        Assert.Equal("0123456789abcdef-0000000000000001", first.Id);
        Assert.Equal("0123456789abcdef-0000000000000002", second.Id);
        Assert.Equal(33, first.IdLength);
        Assert.Equal("ffffffffffffffff-0000000000000001", new EventEnvelope(new EventIdSequence(-1), "t", null, "e", default).Id);
    }

    [Fact]
    public void A_generated_id_equals_and_hashes_like_the_same_id_given_as_a_string()
    {
        var ids = new EventIdSequence(0x2a);
        var generated = new EventEnvelope(ids, "t", "k", "e", ReadOnlyMemory<byte>.Empty);
        var given = new EventEnvelope("000000000000002a-0000000000000001", "t", "k", "e", ReadOnlyMemory<byte>.Empty);
        var other = new EventEnvelope(ids, "t", "k", "e", ReadOnlyMemory<byte>.Empty);

        Assert.Equal(given, generated);
        Assert.Equal(given.GetHashCode(), generated.GetHashCode());
        Assert.NotEqual(generated, other);
        Assert.Equal(generated, generated with { Offset = -1 });
        Assert.NotEqual(generated, generated with { Id = "x" });
        Assert.Equal("x", (generated with { Id = "x" }).Id);
        Assert.Equal(1, (generated with { Id = "x" }).IdLength);
        Assert.Equal(0, default(EventEnvelope).IdLength);
        Assert.Null(default(EventEnvelope).Id);
    }

    [Fact]
    public void A_publish_result_keeps_the_envelope_id_and_compares_by_its_text()
    {
        var envelope = new EventEnvelope(new EventIdSequence(7), "t", "k", "e", ReadOnlyMemory<byte>.Empty);

        var result = new PublishResult(envelope, 3, 9, false);
        var given = new PublishResult("0000000000000007-0000000000000001", 3, 9, false);

        Assert.Equal(envelope.Id, result.Id);
        Assert.Equal(given, result);
        Assert.Equal(given.GetHashCode(), result.GetHashCode());
        var (id, partition, offset, duplicate) = result;
        Assert.Equal((envelope.Id, 3, 9L, false), (id, partition, offset, duplicate));
        Assert.NotEqual(given, result with { Id = "y" });
    }

    [Fact]
    public void A_generated_id_counts_in_the_rule_checks_as_its_33_characters()
    {
        var generated = new EventEnvelope(new EventIdSequence(1), "t", "k", "e", ReadOnlyMemory<byte>.Empty);
        var given = new EventEnvelope(generated.Id, "t", "k", "e", ReadOnlyMemory<byte>.Empty);

        Assert.Null(EventRules.Check(generated));
        Assert.Equal(EventRules.HeaderBlockBytes(given), EventRules.HeaderBlockBytes(generated));
        Assert.Equal(EventRules.HeaderBlockBytes(given with { Deduplicate = true }), EventRules.HeaderBlockBytes(generated with { Deduplicate = true }));
    }
}
