using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Unicode;

namespace Shoal.Cluster;

/// <summary>
/// Consistent hashing with virtual nodes and bounded loads (Mirrokni, Thorup, Zadimoghaddam, "Consistent
/// Hashing with Bounded Loads", 2018). Each member has <c>virtualNodes</c> points on a 64-bit ring at
/// XxHash3("{id}#{i}"); partition p starts at XxHash3("partition-{p}") and walks clockwise to the first point
/// whose member has fewer than ⌈(1 + ε)·P/N⌉ partitions, ε = 0.25, partitions placed in ascending order.
/// Plain consistent hashing only balances approximately; the cap bounds every member's load. The previous
/// assignment is not consulted: stability comes from the ring, so a join moves about P/(N+1) partitions.
/// </summary>
internal sealed class ConsistentHashingAssignor(int virtualNodes) : IAssignor
{
    /// <summary>ε as a fraction: capacity = ⌈P·(4+1)/(4·N)⌉, computed in integers.</summary>
    private const int SlackNumerator = 5;
    private const int SlackDenominator = 4;

    public AssignorKind Kind => AssignorKind.ConsistentHashing;

    public int VirtualNodes => virtualNodes;

    /// <summary>The most partitions any member gets: ⌈1.25 · P / N⌉.</summary>
    public static int Capacity(int partitions, int members)
    {
        var numerator = (long)partitions * SlackNumerator;
        var denominator = (long)members * SlackDenominator;
        return (int)((numerator + denominator - 1) / denominator);
    }

    public Assignment Assign(IReadOnlyList<AssignmentMember> members, int partitions, Assignment previous)
    {
        var sorted = AssignorInput.Prepare(members, partitions, previous);
        if (sorted.Length == 0)
        {
            return Assignment.Empty;
        }

        var ring = BuildRing(sorted);
        var points = new ulong[ring.Length];
        for (var k = 0; k < ring.Length; k++)
        {
            points[k] = ring[k].Hash;
        }

        var capacity = Capacity(partitions, sorted.Length);
        var load = new int[sorted.Length];
        var owners = new string?[partitions];
        for (var p = 0; p < partitions; p++)
        {
            var start = points.AsSpan().BinarySearch(PartitionPoint(p));
            var k = start >= 0 ? start : ~start;
            while (true)
            {
                k %= ring.Length;
                var m = ring[k].Member;
                if (load[m] < capacity)
                {
                    owners[p] = sorted[m].Id;
                    load[m]++;
                    break;
                }

                k++;
            }
        }

        return Assignment.FromOwnersUnchecked(owners);
    }

    /// <summary>Where partition <paramref name="partition"/> lands on the ring: XxHash3 of UTF-8 "partition-{p}".</summary>
    internal static ulong PartitionPoint(int partition)
    {
        Span<byte> buffer = stackalloc byte[32];
        Utf8.TryWrite(buffer, CultureInfo.InvariantCulture, $"partition-{partition}", out var written);
        return XxHash3.HashToUInt64(buffer[..written]);
    }

    /// <summary>The ring points of <paramref name="memberId"/>: XxHash3 of UTF-8 "{memberId}#{i}", i = 0 … count − 1.</summary>
    internal static ulong[] MemberPoints(string memberId, int count)
    {
        // "{id}#" encoded once, then only the number is rewritten per point: no string per point.
        var prefixLength = Encoding.UTF8.GetByteCount(memberId) + 1;
        var buffer = new byte[prefixLength + 11];
        Encoding.UTF8.GetBytes(memberId, buffer);
        buffer[prefixLength - 1] = (byte)'#';
        var points = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            i.TryFormat(buffer.AsSpan(prefixLength), out var digits, default, CultureInfo.InvariantCulture);
            points[i] = XxHash3.HashToUInt64(buffer.AsSpan(0, prefixLength + digits));
        }

        return points;
    }

    private (ulong Hash, int Member)[] BuildRing(AssignmentMember[] sorted)
    {
        var ring = new (ulong Hash, int Member)[sorted.Length * virtualNodes];
        var k = 0;
        for (var m = 0; m < sorted.Length; m++)
        {
            foreach (var point in MemberPoints(sorted[m].Id, virtualNodes))
            {
                ring[k++] = (point, m);
            }
        }

        // Ties (hash collisions) break by member index, i.e. by id: deterministic.
        Array.Sort(ring);
        return ring;
    }
}
