using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace Shoal.Partitioning;

/// <summary>
/// The stable key → partition function shared by every Shoal producer, in any language:
/// <c>XxHash3_64(UTF-8 bytes of the key, seed 0) mod partitions</c>, the hash taken as an unsigned 64-bit integer.
/// </summary>
public static class KeyHasher
{
    private const int StackLimit = 256;

    /// <summary>The partition of <paramref name="key"/> in a topic of <paramref name="partitions"/> partitions.</summary>
    public static int PartitionFor(string key, int partitions)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (partitions <= 0)
        {
            throw new ShoalConfigurationException(nameof(partitions), $"must be at least 1; was {partitions}.");
        }

        return (int)(Hash(key) % (ulong)partitions);
    }

    /// <summary>XxHash3 (64-bit, seed 0) of the key's UTF-8 bytes.</summary>
    public static ulong Hash(string key)
    {
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        if (max <= StackLimit)
        {
            Span<byte> buffer = stackalloc byte[StackLimit];
            var written = Encoding.UTF8.GetBytes(key, buffer);
            return XxHash3.HashToUInt64(buffer[..written]);
        }

        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var written = Encoding.UTF8.GetBytes(key, rented);
            return XxHash3.HashToUInt64(rented.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
