using System.Diagnostics;
using System.Globalization;
using System.Text;
using Shoal.Engine;

namespace Shoal.Testing;

public sealed partial class ShoalTestHost
{
    private const int MaxListedEvents = 20;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Waits until <paramref name="group"/> (null: every group of the node, all at once) is idle: every event
    /// published to its topic so far, including those published while waiting, is handled, dead-lettered or held
    /// behind a parked key. Throws <see cref="TimeoutException"/> after <paramref name="timeout"/> (default
    /// <see cref="ShoalTestOptions.IdleTimeout"/>, real time), listing per group and partition what is still pending:
    /// each event's offset, key, type and id, and whether its handler is running, failed and waits for a retry, or
    /// has not started.
    /// </summary>
    public async Task WaitForIdleAsync(string? group = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var groups = group is null ? [.. Runtime.Options.Groups.Select(g => g.Options)] : new[] { CheckGroup(group) };
        var limit = timeout ?? _options.IdleTimeout;
        if (limit <= TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "must be positive or Timeout.InfiniteTimeSpan.");
        }

        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var pending = await PendingAsync(groups, cancellationToken);
            if (pending.Count == 0)
            {
                return;
            }

            if (limit != Timeout.InfiniteTimeSpan && Stopwatch.GetElapsedTime(started) >= limit)
            {
                throw new TimeoutException(await DescribeAsync(pending, limit, cancellationToken));
            }

            // The runtime has no progress signal outside its own layer; the watermark is cheap to read.
            await Task.Delay(PollInterval, TimeProvider.System, cancellationToken);
        }
    }

    private async ValueTask<List<PendingRange>> PendingAsync(IReadOnlyList<GroupOptions> groups, CancellationToken cancellationToken)
    {
        var pending = new List<PendingRange>();
        foreach (var group in groups)
        {
            var progress = Runtime.GetProgress(group.Name);
            var partitions = Runtime.GetGroup(group.Name).PartitionCount;
            for (var partition = 0; partition < partitions; partition++)
            {
                var end = (await Engine.Log.GetOffsetsAsync(group.Topic, partition, cancellationToken)).End;
                var done = 0L;
                foreach (var p in progress)
                {
                    if (p.Partition == partition)
                    {
                        done = p.Processed;
                    }
                }

                if (done < end)
                {
                    pending.Add(new PendingRange(group, partition, done, end));
                }
            }
        }

        return pending;
    }

    private async ValueTask<string> DescribeAsync(List<PendingRange> pending, TimeSpan limit, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var listed = 0;
        foreach (var byGroup in pending.GroupBy(p => p.Group.Name))
        {
            var group = byGroup.First().Group;
            text.Append(CultureInfo.InvariantCulture,
                $"Group '{group.Name}' is not idle after {limit.TotalSeconds:0.###} s: {byGroup.Sum(p => p.End - p.Done)} event(s) of topic '{group.Topic}' are not yet handled, dead-lettered or parked.");
            text.AppendLine();
            foreach (var range in byGroup)
            {
                text.Append(CultureInfo.InvariantCulture,
                    $"  partition {range.Partition}: offsets {range.Done} to {range.End - 1} (everything below {range.Done} is done)");
                text.AppendLine();
                if (listed >= MaxListedEvents)
                {
                    continue;
                }

                var buffer = new EventEnvelope[(int)Math.Min(range.End - range.Done, MaxListedEvents - listed)];
                var count = await Engine.Log.ReadAsync(group.Topic, range.Partition, range.Done, buffer, cancellationToken);
                foreach (var envelope in buffer.AsSpan(0, count))
                {
                    if (envelope.Offset >= range.End)
                    {
                        break;
                    }

                    var state = _recorder.Describe(group.Name, range.Partition, envelope.Offset)
                        ?? (HandledHere(group.Name, range.Partition, envelope.Offset) ? "handled, waiting for an earlier offset" : "not started");
                    text.Append(CultureInfo.InvariantCulture,
                        $"    offset {envelope.Offset}: key {(envelope.Key is null ? "(none)" : $"'{envelope.Key}'")}, type '{envelope.Type}', id '{envelope.Id}': {state}");
                    text.AppendLine();
                    listed++;
                }
            }
        }

        if (listed >= MaxListedEvents)
        {
            text.Append(CultureInfo.InvariantCulture, $"(the first {MaxListedEvents} pending events are listed)");
            text.AppendLine();
        }

        return text.ToString().TrimEnd();
    }

    private bool HandledHere(string group, int partition, long offset) =>
        _recorder.Handled(group).Any(h => h.Partition == partition && h.Offset == offset);

    private readonly record struct PendingRange(GroupOptions Group, int Partition, long Done, long End);
}
