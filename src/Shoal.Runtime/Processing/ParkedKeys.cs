using System.Text;
using System.Text.Json;
using Shoal.Engine;

namespace Shoal.Processing;

/// <summary>
/// The keys of one partition that are parked (strict-order poison handling). Parking is durable: a record
/// in the coordination store, so a restart or a new owner keeps the key parked until an operator releases it.
/// The record (docs/wire-format.md) is encoded and decoded here only.
/// </summary>
internal sealed class ParkedKeys
{
    private const string KeyProperty = "key";
    private const string EventIdProperty = "eventId";
    private const string OffsetProperty = "offset";

    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly GroupContext _group;
    private readonly int _partition;
    private volatile int _count;

    public ParkedKeys(GroupContext group, int partition)
    {
        _group = group;
        _partition = partition;
    }

    public async ValueTask LoadAsync(CancellationToken cancellationToken)
    {
        var entries = await _group.Engine.Coordination.ListAsync(CoordinationKeys.ParkedPrefix(_group.Topic, _group.Group, _partition), cancellationToken);
        lock (_keys)
        {
            _keys.Clear();
            foreach (var entry in entries)
            {
                _keys.Add(KeyOf(entry));
            }

            _count = _keys.Count;
        }
    }

    public bool Contains(string key)
    {
        if (_count == 0)
        {
            return false;
        }

        lock (_keys)
        {
            return _keys.Contains(key);
        }
    }

    public async ValueTask ParkAsync(EventEnvelope poison, CancellationToken cancellationToken)
    {
        var key = poison.Key!;
        var record = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            [KeyProperty] = key,
            [EventIdProperty] = poison.Id,
            [OffsetProperty] = poison.Offset,
        });
        await _group.Engine.Coordination.TryCreateAsync(CoordinationKeys.Parked(_group.Topic, _group.Group, _partition, key), record, cancellationToken);
        lock (_keys)
        {
            _keys.Add(key);
            _count = _keys.Count;
        }
    }

    public bool Release(string key)
    {
        lock (_keys)
        {
            var removed = _keys.Remove(key);
            _count = _keys.Count;
            return removed;
        }
    }

    /// <summary>
    /// The keys <paramref name="group"/> has parked in partitions 0..<paramref name="partitions"/>-1 of
    /// <paramref name="topic"/>, read from the coordination store (whichever node parked them), by partition and key.
    /// </summary>
    public static async ValueTask<IReadOnlyList<ParkedKey>> ListAsync(IShoalEngine engine, string topic, string group, int partitions, CancellationToken cancellationToken)
    {
        var parked = new List<ParkedKey>();
        for (var partition = 0; partition < partitions; partition++)
        {
            foreach (var entry in await engine.Coordination.ListAsync(CoordinationKeys.ParkedPrefix(topic, group, partition), cancellationToken))
            {
                using var record = JsonDocument.Parse(entry.Value);
                var root = record.RootElement;
                parked.Add(new ParkedKey(group, KeyOf(entry), partition, root.GetProperty(EventIdProperty).GetString()!, root.GetProperty(OffsetProperty).GetInt64()));
            }
        }

        return parked;
    }

    /// <summary>The key a record stands for, from the record's name (<see cref="CoordinationKeys.Parked"/>: hex of its UTF-8).</summary>
    private static string KeyOf(KvEntry entry) =>
        Encoding.UTF8.GetString(Convert.FromHexString(entry.Key.AsSpan(entry.Key.LastIndexOf('/') + 1)));
}
