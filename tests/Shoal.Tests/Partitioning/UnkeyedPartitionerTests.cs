using System.Collections.Concurrent;
using Shoal.Partitioning;
using Xunit;

namespace Shoal.Tests.Partitioning;

public sealed class UnkeyedPartitionerTests
{
    private const int Partitions = 12;

    [Fact]
    public void Round_robin_cycles_through_every_partition_in_order()
    {
        var partitioner = UnkeyedPartitioners.Create(UnkeyedPartitioning.RoundRobin, new Random(1), stickyBatchSize: 1);

        var picks = Enumerable.Range(0, Partitions * 3).Select(_ => partitioner.NextPartition(Partitions)).ToArray();

        Assert.Equal(Enumerable.Range(0, Partitions * 3).Select(i => i % Partitions), picks);
    }

    [Fact]
    public void Random_is_reproducible_from_the_seed_and_covers_every_partition()
    {
        static int[] Run(int seed)
        {
            var partitioner = UnkeyedPartitioners.Create(UnkeyedPartitioning.Random, new Random(seed), stickyBatchSize: 1);
            return Enumerable.Range(0, 1_000).Select(_ => partitioner.NextPartition(Partitions)).ToArray();
        }

        var first = Run(seed: 7);

        Assert.Equal(first, Run(seed: 7));
        Assert.NotEqual(first, Run(seed: 8));
        Assert.Equal(Enumerable.Range(0, Partitions), first.Distinct().Order());
        Assert.All(first.CountBy(p => p), pair => Assert.InRange(pair.Value, 40, 130)); // ~83 each
    }

    [Fact]
    public void Sticky_keeps_a_partition_for_a_batch_then_moves_to_a_different_one()
    {
        const int batch = 5;
        var partitioner = UnkeyedPartitioners.Create(UnkeyedPartitioning.Sticky, new Random(3), batch);

        var picks = Enumerable.Range(0, batch * 200).Select(_ => partitioner.NextPartition(Partitions)).ToArray();
        var runs = picks.Chunk(batch).ToArray();

        Assert.All(runs, run => Assert.Single(run.Distinct()));
        for (var i = 1; i < runs.Length; i++)
        {
            Assert.NotEqual(runs[i - 1][0], runs[i][0]);
        }

        Assert.Equal(Enumerable.Range(0, Partitions), picks.Distinct().Order());
    }

    [Fact]
    public void Sticky_is_reproducible_from_the_seed()
    {
        static int[] Run(int seed)
        {
            var partitioner = UnkeyedPartitioners.Create(UnkeyedPartitioning.Sticky, new Random(seed), stickyBatchSize: 4);
            return Enumerable.Range(0, 100).Select(_ => partitioner.NextPartition(Partitions)).ToArray();
        }

        Assert.Equal(Run(11), Run(11));
        Assert.NotEqual(Run(11), Run(12));
    }

    [Fact]
    public void Sticky_with_one_partition_stays_on_it_and_follows_a_partition_count_that_shrinks()
    {
        var partitioner = UnkeyedPartitioners.Create(UnkeyedPartitioning.Sticky, new Random(5), stickyBatchSize: 2);

        Assert.All(Enumerable.Range(0, 10).Select(_ => partitioner.NextPartition(1)), p => Assert.Equal(0, p));
        Assert.All(Enumerable.Range(0, 50).Select(_ => partitioner.NextPartition(3)), p => Assert.InRange(p, 0, 2));
    }

    [Theory]
    [InlineData(UnkeyedPartitioning.RoundRobin)]
    [InlineData(UnkeyedPartitioning.Random)]
    [InlineData(UnkeyedPartitioning.Sticky)]
    public void Concurrent_callers_get_valid_partitions_and_round_robin_stays_even(UnkeyedPartitioning kind)
    {
        const int batch = 10;
        const int perWorker = 12_000;
        var partitioner = UnkeyedPartitioners.Create(kind, new Random(42), batch);
        var counts = new ConcurrentDictionary<int, int>();

        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            var local = new int[Partitions];
            for (var i = 0; i < perWorker; i++)
            {
                local[partitioner.NextPartition(Partitions)]++;
            }

            for (var p = 0; p < Partitions; p++)
            {
                counts.AddOrUpdate(p, local[p], (_, c) => c + local[p]);
            }
        });

        Assert.Equal(4 * perWorker, counts.Values.Sum());
        Assert.Equal(Enumerable.Range(0, Partitions), counts.Where(c => c.Value > 0).Select(c => c.Key).Order());
        if (kind == UnkeyedPartitioning.RoundRobin)
        {
            Assert.All(counts.Values, c => Assert.Equal(4 * perWorker / Partitions, c));
        }
        else if (kind == UnkeyedPartitioning.Sticky)
        {
            Assert.All(counts.Values, c => Assert.Equal(0, c % batch)); // whole batches only, even when contended
        }
    }

    [Fact]
    public void Invalid_arguments_are_configuration_errors()
    {
        Assert.Throws<ShoalConfigurationException>(() => UnkeyedPartitioners.Create((UnkeyedPartitioning)99, new Random(1), 1));
        var sticky = Assert.Throws<ShoalConfigurationException>(() => UnkeyedPartitioners.Create(UnkeyedPartitioning.Sticky, new Random(1), 0));
        Assert.Equal("stickyBatchSize", sticky.Field);
        var partitions = Assert.Throws<ShoalConfigurationException>(
            () => UnkeyedPartitioners.Create(UnkeyedPartitioning.RoundRobin, new Random(1), 1).NextPartition(0));
        Assert.Equal("partitions", partitions.Field);
    }
}
