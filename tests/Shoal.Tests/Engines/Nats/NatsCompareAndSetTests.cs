using System.Text;
using Shoal.Engine;
using Shoal.Scenarios.Nats;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// The coordination store's compare-and-set on a JetStream cluster: of two writes that expect the same state of a key
/// (the same revision, or no value yet), at most one may succeed, or two members could take one lease under the same
/// epoch and fencing would not hold. nats-server before 2.11 does not apply updates' compare-and-set atomically on a
/// cluster (docs/nats.md); without the engine's confirmation about half of the update pairs below both succeeded.
/// </summary>
public sealed class NatsCompareAndSetTests(ITestOutputHelper log)
{
    private const int Rounds = 300;

    [Theory]
    [InlineData("2.9.10", 3, false)]
    [InlineData("2.10.22", 3, false)]
    [InlineData("2.11.0", 3, true)]
    [InlineData("2.12.1-RC.2", 3, true)]
    [InlineData(null, 3, false)]
    [InlineData("not a version", 3, false)]
    [InlineData("2.9.10", 1, true)]
    public void Updates_are_confirmed_on_a_cluster_of_servers_before_2_11(string? version, int clusterSize, bool atomic) =>
        Assert.Equal(atomic, Shoal.Engines.Nats.NatsCoordinationStore.AtomicCompareAndSet(version, clusterSize));

    [Fact]
    [Trait("Category", "Integration")]
    [Trait("Category", "Slow")]
    public async Task Of_two_updates_expecting_the_same_revision_at_most_one_succeeds_on_a_three_server_cluster()
    {
        const string Key = "shoal/test/cas";
        long revision = 0;
        var both = await RaceAsync(
            async first => revision = await first.TryCreateAsync(Key, Encoding.UTF8.GetBytes("0")) ?? throw new InvalidOperationException("the key existed already"),
            (store, round, side) => store.TryUpdateAsync(Key, Encoding.UTF8.GetBytes($"{round}{side}"), revision),
            async first => revision = (await first.GetAsync(Key))!.Value.Revision);
        Assert.Equal(0, both);
    }

    [Fact]
    [Trait("Category", "Integration")]
    [Trait("Category", "Slow")]
    public async Task Of_two_creates_of_one_key_at_most_one_succeeds_on_a_three_server_cluster()
    {
        var both = await RaceAsync(
            _ => Task.CompletedTask,
            (store, round, side) => store.TryCreateAsync($"shoal/test/create/{round}", Encoding.UTF8.GetBytes(side)),
            _ => Task.CompletedTask);
        Assert.Equal(0, both);
    }

    /// <summary>
    /// Two members on two servers of a three-server cluster write at the same moment, <see cref="Rounds"/> times; returns
    /// in how many rounds both writes succeeded.
    /// </summary>
    private async Task<int> RaceAsync(
        Func<ICoordinationStore, Task> setUp, Func<ICoordinationStore, int, string, ValueTask<long?>> write, Func<ICoordinationStore, Task> afterRound)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var nats = await LocalNatsCluster.StartAsync(new() { Servers = 3 }, deadline.Token);
        var query = nats.EngineUri[nats.EngineUri.IndexOf('?', StringComparison.Ordinal)..];
        await using var first = await ShoalEngines.OpenAsync(nats.Urls[0] + query, cancellationToken: deadline.Token);
        await using var second = await ShoalEngines.OpenAsync(nats.Urls[1] + query, cancellationToken: deadline.Token);

        await setUp(first.Coordination);
        var both = 0;
        for (var round = 1; round <= Rounds; round++)
        {
            var results = await Task.WhenAll(write(first.Coordination, round, "a").AsTask(), write(second.Coordination, round, "b").AsTask());
            if (results[0] is not null && results[1] is not null)
            {
                both++;
            }

            await afterRound(first.Coordination);
        }

        log.WriteLine($"{both} of {Rounds} rounds had both writes succeed");
        return both;
    }
}
