using System.Text;
using System.Text.Json;
using Shoal.Engine;

namespace Shoal.Processing;

/// <summary>
/// The keys of one partition that are parked (strict-order poison handling). Parking is durable: a record
/// in the coordination store, so a restart or a new owner keeps the key parked until an operator releases it.
/// </summary>
internal sealed class ParkedKeys
{
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
                var hex = entry.Key[(entry.Key.LastIndexOf('/') + 1)..];
                _keys.Add(Encoding.UTF8.GetString(Convert.FromHexString(hex)));
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
            ["key"] = key,
            ["eventId"] = poison.Id,
            ["offset"] = poison.Offset,
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
}
