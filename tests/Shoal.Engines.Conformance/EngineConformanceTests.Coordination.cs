using Shoal.Engine;
using Xunit;

namespace Shoal.Engines.Conformance;

public abstract partial class EngineConformanceTests
{
    private ICoordinationStore Store => Engine.Coordination;

    [Fact]
    public async Task TryCreate_creates_once_and_returns_null_when_the_key_exists()
    {
        var key = UniquePrefix() + "member";

        var revision = await Store.TryCreateAsync(key, Bytes("v1"), Deadline);
        var again = await Store.TryCreateAsync(key, Bytes("v2"), Deadline);

        Assert.NotNull(revision);
        Assert.Null(again);
        var entry = await Store.GetAsync(key, Deadline);
        Assert.NotNull(entry);
        Assert.Equal(key, entry.Value.Key);
        Assert.Equal("v1", Text(entry.Value.Value));
        Assert.Equal(revision, entry.Value.Revision);
    }

    [Fact]
    public async Task Get_returns_null_for_a_missing_key()
    {
        Assert.Null(await Store.GetAsync(UniquePrefix() + "missing", Deadline));
    }

    [Fact]
    public async Task TryUpdate_with_the_current_revision_writes_and_with_a_stale_one_is_rejected()
    {
        var key = UniquePrefix() + "lease";
        var r1 = (await Store.TryCreateAsync(key, Bytes("v1"), Deadline))!.Value;

        var r2 = await Store.TryUpdateAsync(key, Bytes("v2"), r1, Deadline);
        var stale = await Store.TryUpdateAsync(key, Bytes("v3"), r1, Deadline);

        Assert.NotNull(r2);
        Assert.True(r2 > r1);
        Assert.Null(stale);
        var entry = (await Store.GetAsync(key, Deadline))!.Value;
        Assert.Equal("v2", Text(entry.Value));
        Assert.Equal(r2, entry.Revision);
    }

    [Fact]
    public async Task TryUpdate_on_a_missing_key_is_rejected_and_creates_nothing()
    {
        var key = UniquePrefix() + "missing";

        Assert.Null(await Store.TryUpdateAsync(key, Bytes("v"), 1, Deadline));
        Assert.Null(await Store.GetAsync(key, Deadline));
    }

    [Fact]
    public async Task Revisions_increase_with_every_write_across_keys()
    {
        var prefix = UniquePrefix();
        var a = (await Store.TryCreateAsync(prefix + "a", Bytes("1"), Deadline))!.Value;
        var b = (await Store.TryCreateAsync(prefix + "b", Bytes("1"), Deadline))!.Value;
        var a2 = (await Store.TryUpdateAsync(prefix + "a", Bytes("2"), a, Deadline))!.Value;
        Assert.True(await Store.TryDeleteAsync(prefix + "b", b, Deadline));
        var b2 = (await Store.TryCreateAsync(prefix + "b", Bytes("2"), Deadline))!.Value;

        Assert.True(a > 0);
        Assert.True(b > a);
        Assert.True(a2 > b);
        Assert.True(b2 > a2);
    }

    [Fact]
    public async Task TryDelete_requires_the_current_revision()
    {
        var key = UniquePrefix() + "epoch";
        var r1 = (await Store.TryCreateAsync(key, Bytes("v1"), Deadline))!.Value;
        var r2 = (await Store.TryUpdateAsync(key, Bytes("v2"), r1, Deadline))!.Value;

        Assert.False(await Store.TryDeleteAsync(key, r1, Deadline));
        Assert.NotNull(await Store.GetAsync(key, Deadline));

        Assert.True(await Store.TryDeleteAsync(key, r2, Deadline));
        Assert.Null(await Store.GetAsync(key, Deadline));
        Assert.False(await Store.TryDeleteAsync(key, r2, Deadline));

        var recreated = await Store.TryCreateAsync(key, Bytes("v3"), Deadline);
        Assert.NotNull(recreated);
        Assert.True(recreated > r2);
    }

    [Fact]
    public async Task List_returns_only_keys_under_the_prefix_ordered_by_key()
    {
        var root = UniquePrefix();
        foreach (var key in new[] { "p/b", "p/a", "p/c/d", "q/a", "pz", "p/B" })
        {
            await Store.TryCreateAsync(root + key, Bytes(key), Deadline);
        }

        var listed = await Store.ListAsync(root + "p/", Deadline);

        Assert.Equal([root + "p/B", root + "p/a", root + "p/b", root + "p/c/d"], listed.Select(e => e.Key));
        Assert.All(listed, e => Assert.Equal(e.Key[root.Length..], Text(e.Value)));
        Assert.Empty(await Store.ListAsync(root + "none/", Deadline));
    }

    [Fact]
    public async Task List_while_keys_are_being_rewritten_returns_each_key_once_at_a_current_revision()
    {
        // Members renew leases while others list them (shoal status, rebalancing): a listing has one entry per key,
        // never two revisions of one key, in key order. (The NATS store listed through a KV watch and could return a
        // key twice when it was rewritten during the listing.) That every key is present is not asserted here: on NATS
        // a key rewritten during the listing can still be missed now and then (docs/nats.md, open).
        var prefix = UniquePrefix() + "leases/";
        var keys = Enumerable.Range(0, 24).Select(i => prefix + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var revisions = new long[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            revisions[i] = (await Store.TryCreateAsync(keys[i], Bytes("0"), Deadline))!.Value;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Deadline);
        var writer = RewriteAsync(stop.Token);
        try
        {
            for (var round = 0; round < 30; round++)
            {
                var listed = await Store.ListAsync(prefix, Deadline);
                var listedKeys = listed.Select(e => e.Key).ToList();
                Assert.Equal(listedKeys.Distinct(StringComparer.Ordinal), listedKeys);
                Assert.Subset(keys.ToHashSet(StringComparer.Ordinal), listedKeys.ToHashSet(StringComparer.Ordinal));
                Assert.Equal(listedKeys.Order(StringComparer.Ordinal), listedKeys);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await writer;
        }

        async Task RewriteAsync(CancellationToken cancellationToken)
        {
            for (var n = 1; !cancellationToken.IsCancellationRequested; n++)
            {
                for (var i = 0; i < keys.Length && !cancellationToken.IsCancellationRequested; i++)
                {
                    revisions[i] = await Store.TryUpdateAsync(keys[i], Bytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture)), revisions[i], CancellationToken.None)
                        ?? throw new InvalidOperationException($"{keys[i]} was changed by someone else");
                }

                await Task.Yield();
            }
        }
    }

    [Fact]
    public async Task Watch_yields_current_entries_then_changes_under_the_prefix_in_order()
    {
        var root = UniquePrefix();
        var prefix = root + "members/";
        var a = (await Store.TryCreateAsync(prefix + "a", Bytes("a1"), Deadline))!.Value;
        await Store.TryCreateAsync(prefix + "b", Bytes("b1"), Deadline);
        await Store.TryCreateAsync(root + "other/x", Bytes("x1"), Deadline);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Deadline);
        await using var watch = Store.WatchAsync(prefix, stop.Token).GetAsyncEnumerator(stop.Token);

        var initial = new[] { await NextAsync(watch), await NextAsync(watch) };
        Assert.All(initial, c => Assert.Equal(KvChangeKind.Put, c.Kind));
        Assert.Equal([(prefix + "a", "a1"), (prefix + "b", "b1")], initial.Select(c => (c.Key, Text(c.Value))).Order());

        var a2 = (await Store.TryUpdateAsync(prefix + "a", Bytes("a2"), a, Deadline))!.Value;
        await Store.TryCreateAsync(root + "other/y", Bytes("y1"), Deadline);
        var c1 = (await Store.TryCreateAsync(prefix + "c", Bytes("c1"), Deadline))!.Value;
        Assert.True(await Store.TryDeleteAsync(prefix + "a", a2, Deadline));

        var update = await NextAsync(watch);
        var create = await NextAsync(watch);
        var delete = await NextAsync(watch);

        Assert.Equal((KvChangeKind.Put, prefix + "a", "a2", a2), (update.Kind, update.Key, Text(update.Value), update.Revision));
        Assert.Equal((KvChangeKind.Put, prefix + "c", "c1", c1), (create.Kind, create.Key, Text(create.Value), create.Revision));
        Assert.Equal((KvChangeKind.Delete, prefix + "a"), (delete.Kind, delete.Key));
        Assert.True(delete.Revision > c1);

        await stop.CancelAsync();
    }

    [Fact]
    public async Task Written_values_are_copied_so_callers_may_reuse_buffers()
    {
        var key = UniquePrefix() + "k";
        var buffer = Bytes("one");
        var r1 = (await Store.TryCreateAsync(key, buffer, Deadline))!.Value;
        Bytes("two").CopyTo(buffer, 0);
        Assert.Equal("one", Text((await Store.GetAsync(key, Deadline))!.Value.Value));

        await Store.TryUpdateAsync(key, buffer, r1, Deadline);
        Bytes("six").CopyTo(buffer, 0);
        Assert.Equal("two", Text((await Store.GetAsync(key, Deadline))!.Value.Value));
        Assert.Equal("two", Text(Assert.Single(await Store.ListAsync(key[..(key.LastIndexOf('/') + 1)], Deadline)).Value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("star*")]
    public async Task Invalid_keys_are_rejected_naming_key(string key)
    {
        var error = await Assert.ThrowsAsync<ShoalConfigurationException>(() => Store.TryCreateAsync(key, Bytes("v"), Deadline).AsTask());
        Assert.Equal("key", error.Field);
    }

    private async Task<KvChange> NextAsync(IAsyncEnumerator<KvChange> watch)
    {
        Assert.True(await watch.MoveNextAsync(), "the watch ended early");
        return watch.Current;
    }
}
