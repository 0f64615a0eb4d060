namespace Shoal.Scenarios.Demo;

/// <summary>
/// Publishes the demo's events (event n has key <c>n mod keys</c> and sequence <c>n / keys</c>) from
/// <see cref="DemoSettings.Producers"/> producers, each owning the keys <c>k</c> with <c>k mod producers</c> equal to
/// its number, in batches of <see cref="BatchSize"/>. A key has one producer, which awaits each batch before the next,
/// so every key's events are published in order; the producers' batches are in flight at the same time, which is how
/// many producers share a durable engine's group commits.
/// </summary>
internal static class DemoProducer
{
    /// <summary>Events per publish call; results of 1024 stay off the large-object heap.</summary>
    public const int BatchSize = 1024;

    /// <param name="publisher">Publishes the events.</param>
    /// <param name="topic">The topic they go to.</param>
    /// <param name="settings">How many events, keys and producers.</param>
    /// <param name="published">Called with the number of events each acknowledged batch added.</param>
    /// <param name="beforeBatch">Awaited before each batch (the cluster demo bounds its backlog there); may be null.</param>
    /// <param name="cancellationToken">Stops producing.</param>
    public static Task RunAsync(
        IEventPublisher publisher,
        string topic,
        DemoSettings settings,
        Action<long> published,
        Func<CancellationToken, ValueTask>? beforeBatch,
        CancellationToken cancellationToken)
    {
        var keyCount = (int)Math.Min(settings.Keys, settings.Events);
        var keys = new string[keyCount];
        for (var k = 0; k < keyCount; k++)
        {
            keys[k] = "key-" + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var lanes = Math.Min(settings.Producers, keyCount);
        var producers = new Task[lanes];
        for (var lane = 0; lane < lanes; lane++)
        {
            var own = lane;
            producers[lane] = Task.Run(() => ProduceLaneAsync(publisher, topic, settings, keys, own, lanes, published, beforeBatch, cancellationToken), cancellationToken);
        }

        return Task.WhenAll(producers);
    }

    private static async Task ProduceLaneAsync(
        IEventPublisher publisher,
        string topic,
        DemoSettings settings,
        string[] keys,
        int lane,
        int lanes,
        Action<long> published,
        Func<CancellationToken, ValueTask>? beforeBatch,
        CancellationToken cancellationToken)
    {
        var total = settings.Events;
        var keyCount = settings.Keys;
        var batch = new List<OutgoingEvent<DemoEvent>>(BatchSize);

        // This lane's events in publish order: round r, key k (k mod lanes = lane) is event r·keys + k.
        long round = 0;
        var key = lane;
        var done = false;
        while (!done)
        {
            if (beforeBatch is not null)
            {
                await beforeBatch(cancellationToken);
            }

            batch.Clear();
            while (batch.Count < BatchSize)
            {
                var n = round * keyCount + key;
                if (n >= total)
                {
                    done = true;
                    break;
                }

                batch.Add(new OutgoingEvent<DemoEvent>(keys[key], new DemoEvent { Key = key, Sequence = settings.SequenceOf(n) }));
                key += lanes;
                if (key >= keys.Length)
                {
                    key = lane;
                    round++;
                }
            }

            if (batch.Count == 0)
            {
                break;
            }

            var results = await publisher.PublishBatchAsync(topic, batch, cancellationToken);
            foreach (var result in results)
            {
                if (result.Duplicate)
                {
                    throw new ShoalException($"The engine reported event {result.Id} as a duplicate, but every demo event has a fresh id.");
                }
            }

            published(batch.Count);
        }
    }
}
