using System.Globalization;
using System.Text;
using Shoal.Engine;
using Shoal.Scenarios.Workload;

namespace Shoal.Tests.Partitions;

/// <summary>
/// For a partition test whose <c>shoal verify</c> found events lost or out of order: reads the whole topic and the group's
/// record topic and says, for the first few of each, where the event lies in the topic and which records (member, epoch,
/// the event's offset, the record's own offset) the key has around it — so a failure says whether the topic holds a
/// key's events out of order, whether a record is missing, and under which owner.
/// </summary>
internal static class VerifyDiagnosis
{
    private const int Shown = 12;

    public static async Task<string> DescribeAsync(string engineUri, string topic, string group, int partitions, CancellationToken cancellationToken = default)
    {
        await using var engine = await ShoalEngines.OpenAsync(engineUri, cancellationToken: cancellationToken);
        var located = new Dictionary<(string Key, long Seq), (int Partition, long Offset)>();
        var logOrder = new StringBuilder();
        for (var p = 0; p < partitions; p++)
        {
            var highest = new Dictionary<string, long>(StringComparer.Ordinal);
            await foreach (var e in ReadAllAsync(engine, topic, p, cancellationToken))
            {
                if (ProducedEvent.TryDecode(in e) is not { } produced)
                {
                    continue;
                }

                located.TryAdd((produced.Key, produced.Seq), (p, e.Offset));
                if (highest.TryGetValue(produced.Key, out var h) && produced.Seq < h && logOrder.Length < 2000)
                {
                    logOrder.AppendLine(CultureInfo.InvariantCulture, $"  topic holds {produced.Key} seq {produced.Seq} at {p}/{e.Offset} after seq {h}");
                }

                highest[produced.Key] = Math.Max(h, produced.Seq);
            }
        }

        var records = new List<HandledRecord>();
        var recordOffsets = new List<long>();
        for (var p = 0; p < partitions; p++)
        {
            await foreach (var e in ReadAllAsync(engine, HandledRecord.TopicFor(topic, group), p, cancellationToken))
            {
                if (HandledRecord.TryDecode(e.Payload) is { } record)
                {
                    records.Add(record);
                    recordOffsets.Add(e.Offset);
                }
            }
        }

        var text = new StringBuilder();
        text.Append(logOrder);
        var seen = new HashSet<(string, long)>();
        var highestRecorded = new Dictionary<string, (long Seq, int Index)>(StringComparer.Ordinal);
        var violations = 0;
        var backInEpoch = 0;
        var lastInEpoch = new Dictionary<(string Key, long Epoch), int>();
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            if (!lastInEpoch.TryGetValue((r.Key, r.Epoch), out var last) || r.Seq > records[last].Seq)
            {
                lastInEpoch[(r.Key, r.Epoch)] = i;
            }
            else if (r.Seq < records[last].Seq && backInEpoch++ < Shown)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  back within epoch {r.Epoch}: {Describe(r, recordOffsets[i])} after {Describe(records[last], recordOffsets[last])}");
            }

            var first = seen.Add((r.Key, r.Seq));
            if (highestRecorded.TryGetValue(r.Key, out var h) && first && r.Seq < h.Seq && violations++ < Shown)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  out of order: {Describe(r, recordOffsets[i])} first recorded after {Describe(records[h.Index], recordOffsets[h.Index])}");
            }

            if (!highestRecorded.TryGetValue(r.Key, out h) || r.Seq > h.Seq)
            {
                highestRecorded[r.Key] = (r.Seq, i);
            }
        }

        var lost = located.Where(l => !seen.Contains(l.Key)).OrderBy(l => l.Value.Partition).ThenBy(l => l.Value.Offset).ToList();
        foreach (var ((key, seq), (partition, offset)) in lost.Take(Shown))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  never recorded: {key} seq {seq} at {partition}/{offset}; records of partition {partition} for offsets {offset - 3}..{offset + 3}:");
            for (var i = 0; i < records.Count; i++)
            {
                if (records[i].Partition == partition && Math.Abs(records[i].Offset - offset) <= 3)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"    {Describe(records[i], recordOffsets[i])}");
                }
            }
        }

        text.Insert(0, $"diagnosis: {located.Count} events in the topic, {records.Count} records, {lost.Count} never recorded, {violations} first recorded out of order, {backInEpoch} recorded again after a later event within one epoch\n");
        return text.ToString();

        static string Describe(HandledRecord r, long at) =>
            $"{r.Key} seq {r.Seq} (event {r.Partition}/{r.Offset}, by {r.Member} epoch {r.Epoch}, record at {r.Partition}/{at})";
    }

    private static async IAsyncEnumerable<EventEnvelope> ReadAllAsync(IShoalEngine engine, string topic, int partition, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var end = (await engine.Log.GetOffsetsAsync(topic, partition, cancellationToken)).End;
        var buffer = new EventEnvelope[1024];
        for (long next = 0; next < end;)
        {
            var count = await engine.Log.ReadAsync(topic, partition, next, buffer, cancellationToken);
            for (var i = 0; i < count; i++)
            {
                yield return buffer[i];
                next = buffer[i].Offset + 1;
            }
        }
    }
}
