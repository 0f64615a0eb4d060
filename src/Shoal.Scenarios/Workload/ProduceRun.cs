using System.Globalization;
using System.Text.Json;
using Shoal.Engine;

namespace Shoal.Scenarios.Workload;

/// <summary>
/// One <c>shoal produce</c> run on a topic, stored in the coordination store at
/// <c>shoal/produce/{topic}/{index}</c> (index zero-padded to 8 digits, from 0) as
/// <c>{"runId":"…","keys":K,"events":N,"acknowledged":A,"startedMs":…}</c>. Run <c>index</c> is reserved with
/// create-if-absent before publishing, so concurrent producers get distinct runs. Event n (0-based) of a run has key
/// <c>key-(n mod K)</c> and sequence <c>base(key) + n / K</c>, where base(key) is the number of events the earlier runs
/// reserved for that key: every key's sequences continue 0, 1, 2, … across runs. <see cref="Acknowledged"/> is the
/// number of leading events of the run the engine acknowledged (events are published in order, and a run stops at
/// the first batch that fails), updated as the run goes.
/// </summary>
internal sealed class ProduceRun
{
    public string RunId { get; set; } = string.Empty;

    public int Keys { get; set; }

    public long Events { get; set; }

    public long Acknowledged { get; set; }

    public long StartedMs { get; set; }

    /// <summary>Events of the run with key index <paramref name="key"/>.</summary>
    public long EventsOfKey(int key) => key >= Keys ? 0 : (Events / Keys) + (key < Events % Keys ? 1 : 0);
}

/// <summary>Reserves, updates and lists <see cref="ProduceRun"/> records.</summary>
internal static class ProduceRuns
{
    private const string Root = "shoal/produce/";

    public static string Prefix(string topic) => $"{Root}{topic}/";

    /// <summary>The topic's runs in order, with each entry's revision.</summary>
    public static async ValueTask<IReadOnlyList<(ProduceRun Run, string Key, long Revision)>> ListAsync(ICoordinationStore store, string topic, CancellationToken cancellationToken)
    {
        var runs = new List<(ProduceRun, string, long)>();
        foreach (var entry in await store.ListAsync(Prefix(topic), cancellationToken))
        {
            ProduceRun? run;
            try
            {
                run = JsonSerializer.Deserialize(entry.Value.Span, WorkloadJsonContext.Default.ProduceRun);
            }
            catch (JsonException ex)
            {
                throw new ShoalException($"The produce record '{entry.Key}' is not valid: {ex.Message}", ex);
            }

            if (run is null || run.Keys < 1 || run.Events < 0 || run.Acknowledged < 0)
            {
                throw new ShoalException($"The produce record '{entry.Key}' is not valid.");
            }

            runs.Add((run, entry.Key, entry.Revision));
        }

        return runs;
    }

    /// <summary>
    /// Reserves the next run on <paramref name="topic"/>; returns its key, revision, and per key the first sequence
    /// the run uses (the sum of what earlier runs reserved).
    /// </summary>
    public static async ValueTask<(string Key, long Revision, long[] FirstSequence)> ReserveAsync(
        ICoordinationStore store, string topic, ProduceRun run, CancellationToken cancellationToken)
    {
        while (true)
        {
            var existing = await ListAsync(store, topic, cancellationToken);
            var index = existing.Count == 0 ? 0 : ParseIndex(existing[^1].Key, topic) + 1;
            var key = Prefix(topic) + index.ToString("D8", CultureInfo.InvariantCulture);
            if (await store.TryCreateAsync(key, Encode(run), cancellationToken) is { } revision)
            {
                var first = new long[run.Keys];
                foreach (var (earlier, _, _) in existing)
                {
                    for (var k = 0; k < Math.Min(earlier.Keys, run.Keys); k++)
                    {
                        first[k] += earlier.EventsOfKey(k);
                    }
                }

                return (key, revision, first);
            }

            // Another producer reserved this index first: take the next one.
        }
    }

    /// <summary>
    /// Writes the run's progress (only its own producer writes a run record). Returns the new revision. An earlier
    /// update whose answer was lost (a timeout while a server failed over) may have been applied anyway, moving the
    /// revision: a record that still names this run is taken as ours and updated at its current revision.
    /// </summary>
    public static async ValueTask<long> UpdateAsync(ICoordinationStore store, string key, ProduceRun run, long revision, CancellationToken cancellationToken)
    {
        if (await store.TryUpdateAsync(key, Encode(run), revision, cancellationToken) is { } updated)
        {
            return updated;
        }

        if (await store.GetAsync(key, cancellationToken) is { } current
            && Decode(current.Value.Span)?.RunId == run.RunId
            && await store.TryUpdateAsync(key, Encode(run), current.Revision, cancellationToken) is { } retried)
        {
            return retried;
        }

        throw new ShoalException($"The produce record '{key}' was changed by someone else.");
    }

    private static ProduceRun? Decode(ReadOnlySpan<byte> value)
    {
        try
        {
            return JsonSerializer.Deserialize(value, WorkloadJsonContext.Default.ProduceRun);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Per key index, how many sequences all <paramref name="runs"/> reserved (the verifier's capacity).</summary>
    public static long[] Capacity(IEnumerable<ProduceRun> runs)
    {
        var list = runs.ToList();
        var capacity = new long[list.Count == 0 ? 0 : list.Max(r => r.Keys)];
        foreach (var run in list)
        {
            for (var k = 0; k < run.Keys; k++)
            {
                capacity[k] += run.EventsOfKey(k);
            }
        }

        return capacity;
    }

    private static byte[] Encode(ProduceRun run) => JsonSerializer.SerializeToUtf8Bytes(run, WorkloadJsonContext.Default.ProduceRun);

    private static long ParseIndex(string key, string topic) =>
        long.TryParse(key.AsSpan(Prefix(topic).Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? index
            : throw new ShoalException($"The produce record key '{key}' is not valid.");
}
