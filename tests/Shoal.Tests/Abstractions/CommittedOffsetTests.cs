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
}
