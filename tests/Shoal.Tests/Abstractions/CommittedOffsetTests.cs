using System.Text;
using Shoal.Engine;
using Xunit;

namespace Shoal.Tests.Abstractions;

/// <summary>The committed offset record as docs/wire-format.md describes it.</summary>
public sealed class CommittedOffsetTests
{
    [Fact]
    public void A_record_without_done_offsets_is_the_plain_offset_and_epoch()
    {
        var record = new CommittedOffset(42, 3);

        Assert.Equal("""{"offset":42,"epoch":3}""", Encoding.UTF8.GetString(record.Encode()));
        Assert.True(CommittedOffset.TryDecode("""{"offset":42,"epoch":3}"""u8, out var decoded));
        Assert.Equal(record, decoded);
        Assert.Empty(decoded.Done);
    }

    [Fact]
    public void Done_ranges_are_runs_of_gap_and_length_after_the_offset()
    {
        var record = new CommittedOffset(96, 3) { Done = [new OffsetRange(97, 101), new OffsetRange(105, 107)] };

        Assert.Equal("""{"offset":96,"epoch":3,"done":[1,4,4,2]}""", Encoding.UTF8.GetString(record.Encode()));
        Assert.True(CommittedOffset.TryDecode(record.Encode(), out var decoded));
        Assert.Equal(record, decoded);
        Assert.Equal(6, decoded.DoneCount);
        Assert.NotEqual(record, record with { Done = [new OffsetRange(97, 101)] });
    }

    [Theory]
    [InlineData("""{"offset":96,"epoch":3,"done":[0,4]}""")] // offset 96 itself cannot be done
    [InlineData("""{"offset":96,"epoch":3,"done":[1,0]}""")] // an empty run
    [InlineData("""{"offset":96,"epoch":3,"done":[1,4,4]}""")] // a gap without a length
    [InlineData("""{"offset":96,"epoch":3,"done":[1,-4]}""")]
    [InlineData("""{"offset":96,"epoch":3,"done":[1,9223372036854775807]}""")] // past the largest offset
    [InlineData("""{"offset":96,"epoch":3,"done":"1,4"}""")]
    [InlineData("""{"offset":96,"epoch":3,"done":[1,"4"]}""")]
    [InlineData("""{"epoch":3}""")]
    [InlineData("""{"offset":-1,"epoch":3}""")]
    [InlineData("""[96,3]""")]
    [InlineData("""{"offset":96,"epoch":3""")]
    public void Records_that_break_the_format_are_not_decoded(string json)
    {
        Assert.False(CommittedOffset.TryDecode(Encoding.UTF8.GetBytes(json), out _));
    }

    [Fact]
    public void Ranges_out_of_order_or_touching_the_offset_are_refused_when_encoding()
    {
        Assert.Throws<ArgumentException>(() => new CommittedOffset(10, 1) { Done = [new OffsetRange(10, 12)] }.Encode());
        Assert.Throws<ArgumentException>(() => new CommittedOffset(10, 1) { Done = [new OffsetRange(15, 16), new OffsetRange(12, 13)] }.Encode());
        Assert.Throws<ArgumentException>(() => new CommittedOffset(10, 1) { Done = [new OffsetRange(12, 14), new OffsetRange(14, 16)] }.Encode());
    }

    [Fact]
    public async Task Listing_reads_every_record_with_its_topic_group_and_partition_and_skips_what_is_not_one()
    {
        await using var engine = Shoal.Engines.InProcess.InProcessEngine.Create();
        var store = engine.Coordination;
        Assert.NotNull(await store.TryCreateAsync(CoordinationKeys.Offset("orders", "billing", 2), new CommittedOffset(7, 3).Encode()));
        Assert.NotNull(await store.TryCreateAsync(CoordinationKeys.Offset("audit", "billing", 0), new CommittedOffset(1, 1).Encode()));
        Assert.NotNull(await store.TryCreateAsync(CoordinationKeys.Offset("orders", "shipping", 0), "not json"u8.ToArray()));
        Assert.NotNull(await store.TryCreateAsync(CoordinationKeys.OffsetsRoot + "orders/billing/x", new CommittedOffset(1, 1).Encode()));

        var all = await CommittedOffset.ListAsync(store);
        var orders = await CommittedOffset.ListAsync(store, "orders");

        Assert.Equal([("audit", "billing", 0, 1L), ("orders", "billing", 2, 7L)], all.Select(r => (r.Topic, r.Group, r.Partition, r.Committed.Offset)).Order());
        Assert.Equal(3, Assert.Single(orders).Committed.Epoch);
        Assert.Equal(new Dictionary<int, CommittedOffset> { [2] = new(7, 3) }, await CommittedOffset.ReadGroupAsync(store, "orders", "billing"));
    }

    [Theory]
    [InlineData("shoal/offsets/orders/billing/12", true)]
    [InlineData("shoal/offsets/orders/billing/", false)]
    [InlineData("shoal/offsets/orders/billing/-1", false)]
    [InlineData("shoal/offsets/orders/12", false)]
    [InlineData("shoal/offsets/orders/billing/1/2", false)]
    [InlineData("shoal/leases/orders/billing/12", false)]
    public void An_offset_key_splits_into_topic_group_and_partition(string key, bool valid)
    {
        Assert.Equal(valid, CoordinationKeys.TryParseOffset(key, out var topic, out var group, out var partition));
        if (valid)
        {
            Assert.Equal(("orders", "billing", 12), (topic, group, partition));
        }
    }
}
