using System.Buffers;
using System.Text.Json;

namespace Shoal.Engine;

/// <summary>
/// A committed offset record: the next offset the group will process in the partition (every offset below it is
/// done), the fencing epoch of the owner that wrote it, and <see cref="Done"/>: offsets above it that are done too
/// (events of other keys that finished while an earlier event was still running or retrying), so that the next
/// owner skips them instead of handling them again.
/// </summary>
/// <remarks>
/// Stored as UTF-8 JSON <c>{"offset":N,"epoch":E}</c>, with <c>"done":[g1,n1,g2,n2,…]</c> when offsets above
/// <c>N</c> are done: each pair is a run of <c>n</c> done offsets that starts <c>g</c> after the end of the previous
/// run (the first run: after <c>N</c>, so <c>g ≥ 1</c>, as offset <c>N</c> itself is not done). Offsets 96 and
/// done 97–100 and 105–106 are <c>{"offset":96,"epoch":3,"done":[1,4,4,2]}</c>. Documented in
/// <c>docs/wire-format.md</c>; this type is the only place that encodes or decodes it.
/// </remarks>
public readonly record struct CommittedOffset(long Offset, long Epoch)
{
    private readonly IReadOnlyList<OffsetRange>? _done;

    /// <summary>
    /// Done offsets above <see cref="Offset"/>, as sorted ranges that neither touch nor overlap each other or
    /// <see cref="Offset"/>. Empty when everything done is below <see cref="Offset"/>.
    /// </summary>
    public IReadOnlyList<OffsetRange> Done
    {
        get => _done ?? [];
        init => _done = value;
    }

    /// <summary>How many offsets <see cref="Done"/> holds.</summary>
    public long DoneCount
    {
        get
        {
            long count = 0;
            foreach (var range in Done)
            {
                count += range.Length;
            }

            return count;
        }
    }

    /// <summary>Encodes the record as UTF-8 JSON.</summary>
    /// <exception cref="ArgumentException"><see cref="Done"/> is not sorted, touches itself or starts at or below <see cref="Offset"/>.</exception>
    public byte[] Encode()
    {
        var done = Done;
        var buffer = new ArrayBufferWriter<byte>(48 + (done.Count * 12));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("offset", Offset);
            writer.WriteNumber("epoch", Epoch);
            if (done.Count > 0)
            {
                writer.WriteStartArray("done");
                var previousEnd = Offset;
                foreach (var range in done)
                {
                    if (range.Start <= previousEnd || range.End <= range.Start)
                    {
                        throw new ArgumentException(
                            $"done ranges must be sorted, non-empty, apart from each other and above offset {Offset}; [{range.Start}, {range.End}) follows {previousEnd}.",
                            nameof(Done));
                    }

                    writer.WriteNumberValue(range.Start - previousEnd);
                    writer.WriteNumberValue(range.Length);
                    previousEnd = range.End;
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A group's committed offsets on a topic, by partition, read from <paramref name="store"/> (the records under
    /// <see cref="CoordinationKeys.GroupOffsetsPrefix"/>). Partitions without a record, and records that do not
    /// decode, are absent.
    /// </summary>
    public static async ValueTask<Dictionary<int, CommittedOffset>> ReadGroupAsync(
        ICoordinationStore store, string topic, string group, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var committed = new Dictionary<int, CommittedOffset>();
        foreach (var record in Read(await store.ListAsync(CoordinationKeys.GroupOffsetsPrefix(topic, group), cancellationToken)))
        {
            if (record.Topic == topic && record.Group == group)
            {
                committed[record.Partition] = record.Committed;
            }
        }

        return committed;
    }

    /// <summary>
    /// Every committed offset record in <paramref name="store"/> (under <see cref="CoordinationKeys.OffsetsRoot"/>, or only
    /// <paramref name="topic"/>'s groups when given) that decodes, with where it is stored.
    /// </summary>
    public static async ValueTask<IReadOnlyList<StoredCommittedOffset>> ListAsync(
        ICoordinationStore store, string? topic = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var prefix = topic is null ? CoordinationKeys.OffsetsRoot : CoordinationKeys.TopicOffsetsPrefix(topic);
        return [.. Read(await store.ListAsync(prefix, cancellationToken))];
    }

    /// <summary>
    /// The committed offset records among <paramref name="entries"/> (store entries under
    /// <see cref="CoordinationKeys.OffsetsRoot"/>): entries whose key is not a committed-offset key or whose value does
    /// not decode are skipped.
    /// </summary>
    public static IEnumerable<StoredCommittedOffset> Read(IEnumerable<KvEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries)
        {
            if (CoordinationKeys.TryParseOffset(entry.Key, out var topic, out var group, out var partition)
                && TryDecode(entry.Value.Span, out var committed))
            {
                yield return new StoredCommittedOffset(topic, group, partition, committed, entry);
            }
        }
    }

    /// <summary>Decodes a record written by <see cref="Encode"/>; false when the bytes are not one.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> utf8, out CommittedOffset value)
    {
        value = default;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            long? offset = null;
            long epoch = 0;
            List<long>? runs = null;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isOffset = reader.ValueTextEquals("offset"u8);
                var isEpoch = reader.ValueTextEquals("epoch"u8);
                var isDone = reader.ValueTextEquals("done"u8);
                if (!reader.Read())
                {
                    return false;
                }

                if (isOffset)
                {
                    offset = reader.GetInt64();
                }
                else if (isEpoch)
                {
                    epoch = reader.GetInt64();
                }
                else if (isDone)
                {
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        return false;
                    }

                    runs = [];
                    while (reader.Read() && reader.TokenType == JsonTokenType.Number)
                    {
                        runs.Add(reader.GetInt64());
                    }

                    if (reader.TokenType != JsonTokenType.EndArray)
                    {
                        return false;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            if (offset is not { } start || start < 0 || reader.TokenType != JsonTokenType.EndObject)
            {
                return false;
            }

            value = new CommittedOffset(start, epoch);
            if (runs is { Count: > 0 })
            {
                if (DecodeRuns(start, runs) is not { } done)
                {
                    return false;
                }

                value = value with { Done = done };
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Value equality, <see cref="Done"/> compared range by range.</summary>
    public bool Equals(CommittedOffset other) =>
        Offset == other.Offset && Epoch == other.Epoch && Done.SequenceEqual(other.Done);

    /// <inheritdoc/>
    public override int GetHashCode() => unchecked(((int)Offset * 397) ^ ((int)Epoch * 31) ^ Done.Count); // no per-process random seed

    private static OffsetRange[]? DecodeRuns(long offset, List<long> runs)
    {
        if (runs.Count % 2 != 0)
        {
            return null;
        }

        var done = new OffsetRange[runs.Count / 2];
        var end = offset;
        for (var i = 0; i < done.Length; i++)
        {
            var gap = runs[2 * i];
            var length = runs[(2 * i) + 1];
            if (gap < 1 || length < 1 || gap > long.MaxValue - end || length > long.MaxValue - end - gap)
            {
                return null;
            }

            var start = end + gap;
            end = start + length;
            done[i] = new OffsetRange(start, end);
        }

        return done;
    }
}
