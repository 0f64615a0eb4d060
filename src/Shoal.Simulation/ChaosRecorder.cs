using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Shoal.Cluster.Leases;
using Shoal.Engine;

namespace Shoal.Simulation;

/// <summary>One handler invocation, as the checker sees it.</summary>
internal sealed record Handling(string Member, int Partition, long Offset, long Epoch, string Key, int Seq, int Attempt, TimeSpan Start)
{
    public TimeSpan? End { get; set; }

    public bool Succeeded { get; set; }
}

/// <summary>One successful write of a lease or offset record.</summary>
internal sealed record RecordWrite(string Actor, int Partition, TimeSpan At, bool IsLease, string Owner, long Epoch, long ExpiresAtMs, long Offset, bool Deleted);

/// <summary>
/// Everything that happened in one run: handler invocations, lease and offset writes, faults, and a trace whose
/// hash two runs of one seed must share.
/// </summary>
internal sealed class ChaosRecorder(VirtualClock clock, string topic, string group, bool keepTrace)
{
    private readonly XxHash64 _hash = new();
    private readonly List<string> _trace = [];
    private readonly string _leasePrefix = CoordinationKeys.GroupLeasesPrefix(topic, group);

    public List<Handling> Handlings { get; } = [];

    public List<RecordWrite> Writes { get; } = [];

    public IReadOnlyList<string> Trace => _trace;

    public ulong TraceHash => _hash.GetCurrentHashAsUInt64();

    public void Note(string line)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalMilliseconds,10:F3} {line}");
        _hash.Append(Encoding.UTF8.GetBytes(text));
        if (keepTrace)
        {
            _trace.Add(text);
        }
    }

    public Handling Started(string member, in EventContext context, ChaosEvent @event)
    {
        var handling = new Handling(member, context.Partition, context.Offset, context.Epoch, @event.Key, @event.Seq, context.Attempt, clock.Elapsed);
        Handlings.Add(handling);
        Note($"{member} start p{context.Partition}@{context.Offset} e{context.Epoch} {@event.Key}#{@event.Seq} a{context.Attempt}");
        return handling;
    }

    public void Ended(Handling handling, bool succeeded)
    {
        handling.End = clock.Elapsed;
        handling.Succeeded = succeeded;
        Note($"{handling.Member} {(succeeded ? "done" : "fail")} p{handling.Partition}@{handling.Offset} e{handling.Epoch}");
    }

    /// <summary>Called by the engine wrapper after every successful coordination write.</summary>
    public void Wrote(string actor, string key, ReadOnlySpan<byte> value, long? revision, bool deleted)
    {
        if (key.StartsWith(_leasePrefix, StringComparison.Ordinal) && int.TryParse(key.AsSpan(_leasePrefix.Length), CultureInfo.InvariantCulture, out var p))
        {
            var lease = deleted ? new LeaseRecord(string.Empty, 0, 0) : LeaseRecord.Decode(value, key);
            Writes.Add(new RecordWrite(actor, p, clock.Elapsed, IsLease: true, lease.Owner, lease.Epoch, lease.ExpiresAtMs, -1, deleted));
            Note($"{actor} lease p{p} owner={lease.Owner} e{lease.Epoch} exp={lease.ExpiresAtMs - VirtualClock.Origin.ToUnixTimeMilliseconds()} r{revision}");
        }
        else if (CoordinationKeys.TryParseOffset(key, out var offsetTopic, out var offsetGroup, out p) && offsetTopic == topic && offsetGroup == group)
        {
            CommittedOffset.TryDecode(value, out var committed);
            Writes.Add(new RecordWrite(actor, p, clock.Elapsed, IsLease: false, string.Empty, committed.Epoch, 0, committed.Offset, deleted));
            Note($"{actor} offset p{p} {committed.Offset} e{committed.Epoch} r{revision}");
        }
        else
        {
            Note($"{actor} write {key} r{revision}{(deleted ? " deleted" : string.Empty)}");
        }
    }
}
