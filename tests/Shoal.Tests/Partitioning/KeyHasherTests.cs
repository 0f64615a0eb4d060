using System.IO.Hashing;
using System.Text;
using CsCheck;
using Shoal.Partitioning;
using Xunit;

namespace Shoal.Tests.Partitioning;

public sealed class KeyHasherTests
{
    // Reference values from the C implementation (libxxhash 0.8, XXH3_64bits over the UTF-8 bytes, seed 0).
    // Other-language producers depend on these: a change here is a wire-format break.
    [Theory]
    [InlineData("", 3244421341483603138UL, 10)]
    [InlineData("a", 16629034431890738719UL, 7)]
    [InlineData("order-42", 8776571816221789756UL, 4)]
    [InlineData("customer:1001", 16823551212107156827UL, 7)]
    [InlineData("héllo-wörld", 3279236381889831264UL, 0)]
    [InlineData("日本語キー", 7677842302340267566UL, 10)]
    [InlineData("🙂emoji", 2048869889814742585UL, 1)]
    public void Known_keys_hash_to_known_values(string key, ulong hash, int partitionOf12)
    {
        Assert.Equal(hash, KeyHasher.Hash(key));
        Assert.Equal(partitionOf12, KeyHasher.PartitionFor(key, 12));
    }

    [Theory]
    [InlineData('k', 300, 4508134653262363296UL, 0)]
    [InlineData('x', 257, 11346423214961785238UL, 2)]
    public void Long_keys_past_the_stack_buffer_hash_to_known_values(char c, int length, ulong hash, int partitionOf12)
    {
        var key = new string(c, length);

        Assert.Equal(hash, KeyHasher.Hash(key));
        Assert.Equal(partitionOf12, KeyHasher.PartitionFor(key, 12));
    }

    [Fact]
    public void Partition_is_XxHash3_of_the_UTF8_bytes_mod_the_partition_count()
    {
        var keys = Gen.OneOf(Gen.String, Gen.String[Gen.Char[(char)0x80, (char)0xD7FF], 0, 400]);

        Gen.Select(keys, Gen.Int[1, 10_000]).Sample((key, partitions) =>
        {
            var expected = XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(key)) % (ulong)partitions;
            Assert.Equal((int)expected, KeyHasher.PartitionFor(key, partitions));
        }, iter: 2_000);
    }

    [Fact]
    public void Ten_thousand_keys_spread_evenly_over_12_partitions()
    {
        var counts = new int[12];
        for (var i = 0; i < 10_000; i++)
        {
            counts[KeyHasher.PartitionFor($"customer-{i}", 12)]++;
        }

        // 833 expected per partition; a fair hash stays well inside ±15%.
        Assert.All(counts, c => Assert.InRange(c, 708, 958));
    }

    [Fact]
    public void Invalid_partition_count_is_a_configuration_error() =>
        Assert.Equal("partitions", Assert.Throws<ShoalConfigurationException>(() => KeyHasher.PartitionFor("k", 0)).Field);
}
