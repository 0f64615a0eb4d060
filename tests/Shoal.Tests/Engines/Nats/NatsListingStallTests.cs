using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using Shoal.Engine;
using Shoal.Engines.Nats;
using Xunit;

namespace Shoal.Tests.Engines.Nats;

/// <summary>
/// A listing whose watch consumer answers, delivers its first entry and then stalls (as when the consumer's peer is
/// SIGKILLed and restarted mid-listing) must not hang: each next entry is awaited for at most
/// <see cref="NatsCoordinationStore.EntryWait"/>, then the listing is retried within the store's budget, and a listing
/// that can never finish fails with a transient error saying what it saw. The bucket and the watches are real
/// (a real <c>nats-server</c>); only the stall is made deterministic, by a wrapper that stops passing entries on after
/// the first one (a real server's stall cannot be timed between two entries of one watch: the client has usually
/// buffered the rest already).
/// </summary>
[Collection(NatsServerCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NatsListingStallTests(NatsServerFixture server)
{
    [Fact]
    public async Task A_watch_that_stalls_after_its_first_entry_is_abandoned_and_the_listing_retried()
    {
        await using var kv = await OpenAsync();
        var prefix = await WriteKeysAsync(kv.Store, 3);
        var stalling = AlteredWatchKvStore.Wrap(kv.Store, AlteredWatchKvStore.Alteration.StallAfterFirst, alteredWatches: 1);
        var store = new NatsCoordinationStore(stalling, TimeSpan.FromSeconds(10));

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var clock = Stopwatch.StartNew();
        var listed = await store.ListAsync(prefix, deadline.Token);

        Assert.Equal([prefix + "k0", prefix + "k1", prefix + "k2"], listed.Select(e => e.Key));
        Assert.True(AlteredWatchKvStore.Watches(stalling) >= 2, "the stalled watch was not retried");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"listing took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_listing_whose_every_watch_stalls_fails_within_its_budget_saying_what_it_saw()
    {
        await using var kv = await OpenAsync();
        var prefix = await WriteKeysAsync(kv.Store, 3);
        var stalling = AlteredWatchKvStore.Wrap(kv.Store, AlteredWatchKvStore.Alteration.StallAfterFirst, alteredWatches: int.MaxValue);
        var budget = TimeSpan.FromSeconds(3);
        var store = new NatsCoordinationStore(stalling, budget);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<EngineException>(async () => await store.ListAsync(prefix, deadline.Token));

        Assert.True(error.IsTransient, error.ToString());
        Assert.Contains($"listing '{prefix}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("delivered 1 entries (2 more pending), then nothing for 2 s", error.Message, StringComparison.Ordinal);
        // The budget, plus at most one wait for a next entry that began before it was spent, plus a loaded machine's slack.
        Assert.True(clock.Elapsed < budget + NatsCoordinationStore.EntryWait + TimeSpan.FromSeconds(3), $"failed after {clock.Elapsed}");
    }

    [Fact]
    public async Task A_watch_whose_pending_count_never_reaches_zero_while_a_key_is_rewritten_is_abandoned_and_the_listing_retried()
    {
        // nats-server 2.9 counted one message too many for some watches created while a server restarted (measured with
        // a SIGKILL/restart loop: pending stayed 1 on every entry); with a key rewritten every 200 ms, as heartbeats
        // are, such a watch delivered for as long as the writes went on and the listing never returned. The wrapper
        // reproduces that count on the first watch; the writes are real.
        await using var kv = await OpenAsync();
        var prefix = await WriteKeysAsync(kv.Store, 3);
        var overcounting = AlteredWatchKvStore.Wrap(kv.Store, AlteredWatchKvStore.Alteration.Overcount, alteredWatches: 1);
        var store = new NatsCoordinationStore(overcounting, TimeSpan.FromSeconds(10));

        using var writes = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var writer = RewriteAsync(new NatsCoordinationStore(kv.Store, TimeSpan.FromSeconds(10)), prefix + "k0", writes.Token);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        var clock = Stopwatch.StartNew();
        var listed = await store.ListAsync(prefix, deadline.Token);
        var took = clock.Elapsed;
        await writes.CancelAsync();
        var rewrites = await writer;

        Assert.True(rewrites >= 2, $"the key was rewritten only {rewrites} times while the listing ran");
        Assert.Equal([prefix + "k0", prefix + "k1", prefix + "k2"], listed.Select(e => e.Key));
        Assert.True(AlteredWatchKvStore.Watches(overcounting) >= 2, "the watch that never reached the end was not retried");
        Assert.True(took < TimeSpan.FromSeconds(8), $"listing took {took} (the key was rewritten {rewrites} times meanwhile)");
    }

    /// <summary>Rewrites <paramref name="key"/> every 100 ms until cancelled; returns how many writes succeeded.</summary>
    private static async Task<int> RewriteAsync(NatsCoordinationStore store, string key, CancellationToken cancellationToken)
    {
        var writes = 0;
        var revision = (await store.GetAsync(key, CancellationToken.None))!.Value.Revision;
        try
        {
            while (true)
            {
                await Task.Delay(100, cancellationToken);
                revision = (await store.TryUpdateAsync(key, "w"u8.ToArray(), revision, CancellationToken.None))!.Value;
                writes++;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return writes;
        }
    }

    private async Task<Kv> OpenAsync()
    {
        // The engine creates the bucket; a connection of our own opens it, so the wrapper sees every call.
        await using (await server.ConnectAsync())
        {
        }

        var connection = new NatsConnection(new NatsOpts { Url = server.Url });
        var store = await new NatsKVContext(new NatsJSContext(connection)).GetStoreAsync(NatsNames.CoordinationBucket);
        return new Kv(connection, store);
    }

    private static async Task<string> WriteKeysAsync(INatsKVStore kv, int count)
    {
        var prefix = $"stall/{Guid.NewGuid():N}/";
        var store = new NatsCoordinationStore(kv, TimeSpan.FromSeconds(10));
        for (var i = 0; i < count; i++)
        {
            Assert.NotNull(await store.TryCreateAsync(prefix + "k" + i, "v"u8.ToArray()));
        }

        return prefix;
    }

    private sealed record Kv(NatsConnection Connection, INatsKVStore Store) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }
}

/// <summary>
/// An <see cref="INatsKVStore"/> that passes every call to a real one, except that its first <c>alteredWatches</c>
/// watches are altered: <see cref="Alteration.StallAfterFirst"/> delivers the first entry and then nothing more until
/// cancelled; <see cref="Alteration.Overcount"/> reports one more pending message on every entry than the server did, so
/// the watch never says its initial values are done.
/// </summary>
public class AlteredWatchKvStore : DispatchProxy
{
    private INatsKVStore _inner = null!;
    private string _alteration = null!;
    private int _alteredWatches;
    private int _watches;

    internal enum Alteration
    {
        StallAfterFirst,
        Overcount,
    }

    internal static INatsKVStore Wrap(INatsKVStore inner, Alteration alteration, int alteredWatches)
    {
        var proxy = Create<INatsKVStore, AlteredWatchKvStore>();
        var self = (AlteredWatchKvStore)(object)proxy;
        self._inner = inner;
        self._alteration = alteration.ToString();
        self._alteredWatches = alteredWatches;
        return proxy;
    }

    internal static int Watches(INatsKVStore proxy) => Volatile.Read(ref ((AlteredWatchKvStore)(object)proxy)._watches);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        object? result;
        try
        {
            result = targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }

        if (targetMethod.Name != nameof(INatsKVStore.WatchAsync) || Interlocked.Increment(ref _watches) > _alteredWatches)
        {
            return result;
        }

        var token = args is [.., CancellationToken t] ? t : CancellationToken.None;
        var entryType = targetMethod.GetGenericArguments()[0];
        return typeof(AlteredWatchKvStore).GetMethod(_alteration, BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(entryType)
            .Invoke(null, [result, token]);
    }

    private static async IAsyncEnumerable<NatsKVEntry<T>> StallAfterFirst<T>(IAsyncEnumerable<NatsKVEntry<T>> watch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in watch.WithCancellation(cancellationToken))
        {
            yield return entry;
            break;
        }

        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private static async IAsyncEnumerable<NatsKVEntry<T>> Overcount<T>(IAsyncEnumerable<NatsKVEntry<T>> watch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in watch.WithCancellation(cancellationToken))
        {
            yield return entry with { Delta = entry.Delta + 1 };
        }
    }
}
