using System.CommandLine;
using System.Globalization;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Cluster;
using Shoal.Cluster.Leases;
using Shoal.Engine;

namespace Shoal.Cli.Verbs;

/// <summary><c>shoal status</c>: members and health, partition owners and epochs, committed offsets and lag, per topic and group.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var engine = EngineUris.CreateOption();
        var group = VerbOptions.Group("Only this group (default: every group found in the engine)", required: false);
        var sample = DurationOptions.Create("--sample", TimeSpan.FromSeconds(1), "Time between the two samples of lag and rates from which the autoscaling policy's desired members are computed; 0 skips it");
        var json = CliOutput.CreateJsonOption();
        var command = new Command("status", "Show each group's members and health, partition owners and epochs, committed offsets, lag and the autoscaler's desired members")
        {
            engine, group, sample, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            return output.RunAsync(() => RunAsync(parseResult.GetValue(engine)!, parseResult.GetValue(group), parseResult.GetValue(sample), output, cancellationToken), cancellationToken);
        });
        return command;
    }

    /// <summary>How long status retries transient engine errors (a server restarting, a leader election) before it fails.</summary>
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(30);

    private static async Task<int> RunAsync(string uri, string? onlyGroup, TimeSpan sample, CliOutput output, CancellationToken cancellationToken)
    {
        var retrying = EngineRetries.ReportTo(output.Error);
        await using var engine = await EngineRetries.RunAsync(() => ShoalEngines.OpenAsync(uri, EngineUris.Services, cancellationToken), RetryFor, cancellationToken, retrying);
        var report = await EngineRetries.RunAsync(
            async () => await ReadAsync(engine, uri, onlyGroup, TimeProvider.System, cancellationToken), RetryFor, cancellationToken, retrying);
        if (sample > TimeSpan.Zero)
        {
            report = await EngineRetries.RunAsync(
                async () => await StatusAutoscale.AddAsync(engine, report, sample, TimeProvider.System, cancellationToken), RetryFor, cancellationToken, retrying);
        }

        if (output.Json)
        {
            output.WriteJson(report, CliJsonContext.Default.StatusReport);
        }
        else
        {
            Print(output, report);
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// Reads every (topic, group) with committed offsets, and every group with member records, from the engine. Members
    /// and leases are judged by <paramref name="time"/> read after their records, so no heartbeat or lease looks younger
    /// than it is.
    /// </summary>
    public static async Task<StatusReport> ReadAsync(IShoalEngine engine, string uri, string? onlyGroup, TimeProvider time, CancellationToken cancellationToken)
    {
        var store = engine.Coordination;
        var pairs = new SortedSet<(string Topic, string Group)>();
        foreach (var entry in await store.ListAsync(CoordinationKeys.OffsetsRoot, cancellationToken))
        {
            var parts = entry.Key[CoordinationKeys.OffsetsRoot.Length..].Split('/');
            if (parts.Length == 3 && (onlyGroup is null || parts[1] == onlyGroup))
            {
                pairs.Add((parts[0], parts[1]));
            }
        }

        var memberGroups = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in await store.ListAsync(MemberKeys.MembersRoot, cancellationToken))
        {
            var parts = entry.Key[MemberKeys.MembersRoot.Length..].Split('/');
            if (parts.Length == 2 && (onlyGroup is null || parts[0] == onlyGroup))
            {
                memberGroups.Add(parts[0]);
            }
        }

        var groups = new List<GroupStatus>();
        foreach (var (topic, group) in pairs)
        {
            var partitions = await PartitionsAsync(engine, topic, group, time, cancellationToken);
            groups.Add(new GroupStatus
            {
                Topic = topic,
                Group = group,
                Members = await MembersAsync(store, group, partitions, time, cancellationToken),
                Partitions = partitions,
                Lag = partitions.Sum(p => p.Lag),
            });
        }

        foreach (var group in memberGroups.Where(g => !pairs.Any(p => p.Group == g)))
        {
            groups.Add(new GroupStatus { Topic = null, Group = group, Members = await MembersAsync(store, group, [], time, cancellationToken), Partitions = [] });
        }

        return new StatusReport { Engine = uri, Groups = groups };
    }

    private static async Task<List<PartitionStatus>> PartitionsAsync(IShoalEngine engine, string topic, string group, TimeProvider time, CancellationToken cancellationToken)
    {
        var committed = await CommittedOffset.ReadGroupAsync(engine.Coordination, topic, group, cancellationToken);
        var leases = (await ClusterRecords.ListLeasesAsync(engine.Coordination, topic, group, cancellationToken)).ToDictionary(l => l.Partition);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var description = await engine.Log.DescribeTopicAsync(topic, cancellationToken);
        var count = description?.Partitions ?? (committed.Count == 0 ? 0 : committed.Keys.Max() + 1);
        var rows = new List<PartitionStatus>(count);
        for (var p = 0; p < count; p++)
        {
            var offsets = description is null ? default : await engine.Log.GetOffsetsAsync(topic, p, cancellationToken);
            long? done = committed.TryGetValue(p, out var c) ? c.Offset : null;
            var lease = leases.TryGetValue(p, out var l) ? l : (PartitionLease?)null;
            rows.Add(new PartitionStatus
            {
                Partition = p,
                Owner = lease is { Owner.Length: > 0 } held && held.ExpiresAtMs > nowMs ? held.Owner : null,
                Lease = lease switch
                {
                    null => "none",
                    { Owner.Length: 0 } => "released",
                    { } x when x.ExpiresAtMs <= nowMs => "expired",
                    _ => "held",
                },
                Epoch = lease?.Epoch ?? (done is null ? 0 : c.Epoch),
                LeaseExpiresInMs = lease is { Owner.Length: > 0 } x2 ? x2.ExpiresAtMs - nowMs : null,
                Committed = done,
                End = offsets.End,
                Lag = Math.Max(0, offsets.End - (done ?? offsets.Start)),
            });
        }

        return rows;
    }

    /// <summary>
    /// The group's member records, each judged by its own session TTL (<see cref="MembershipView.IsLive"/>; records
    /// without one by <see cref="ClusterOptions.SessionTtl"/>'s default): a dead member's health is <c>dead</c>.
    /// </summary>
    private static async Task<List<MemberStatus>> MembersAsync(ICoordinationStore store, string group, List<PartitionStatus> partitions, TimeProvider time, CancellationToken cancellationToken)
    {
        var members = new List<MemberStatus>();
        var records = await ClusterRecords.ListMembersAsync(store, group, cancellationToken);
        var now = time.GetUtcNow();
        var defaultTtl = ClusterOptions.Default.SessionTtl;
        foreach (var record in records)
        {
            members.Add(new MemberStatus
            {
                MemberId = record.MemberId,
                Health = MembershipView.IsLive(record, now, defaultTtl) ? record.Health.ToString().ToLowerInvariant() : "dead",
                Weight = record.Weight,
                Capacity = record.Capacity,
                InFlight = record.Load.InFlight,
                EventsPerSecond = Math.Round(record.Load.EventsPerSecond, 1),
                HeartbeatAgeMs = (long)MembershipView.HeartbeatAge(record, now).TotalMilliseconds,
                SessionTtlMs = (long)(record.SessionTtl ?? defaultTtl).TotalMilliseconds,
                Address = record.Address,
                Owned = [.. partitions.Where(p => p.Owner == record.MemberId).Select(p => p.Partition)],
            });
        }

        return members;
    }

    private static void Print(CliOutput output, StatusReport report)
    {
        if (report.Groups.Count == 0)
        {
            output.Line($"No groups found on {report.Engine}.");
            return;
        }

        var c = CultureInfo.InvariantCulture;
        foreach (var g in report.Groups)
        {
            var title = g.Topic is null ? $"group {g.Group} (no committed offsets yet)" : $"group {g.Group} on topic {g.Topic}: lag {g.Lag.ToString("N0", c)}";
            TablePrinter.Print(output, title + " — members",
                ["member", "health", "weight", "in flight", "events/s", "heartbeat age", "partitions"],
                [.. g.Members.Select(m => new[]
                {
                    m.MemberId, m.Health, m.Weight.ToString(c), m.InFlight.ToString(c), m.EventsPerSecond.ToString("N1", c),
                    m.HeartbeatAgeMs.ToString(c) + " ms", string.Join(' ', m.Owned),
                })]);
            if (g.Partitions.Count > 0)
            {
                TablePrinter.Print(output, title + " — partitions",
                    ["partition", "owner", "lease", "epoch", "committed", "end", "lag"],
                    [.. g.Partitions.Select(p => new[]
                    {
                        p.Partition.ToString(c), p.Owner ?? "-", p.Lease, p.Epoch.ToString(c), p.Committed?.ToString(c) ?? "-", p.End.ToString(c), p.Lag.ToString(c),
                    })]);
            }

            if (g.Autoscale is { } a)
            {
                output.Line(string.Create(c,
                    $"group {g.Group}: autoscaler wants {a.DesiredMembers} members ({a.Reason}; {a.LiveMembers} live) — lag {a.Lag:N0}, arrivals {a.ArrivalRate:N1}/s, processed {a.ProcessedRate:N1}/s, per member {a.PerMemberRate:N1}/s over {a.SampledMs} ms"));
            }
        }
    }
}

/// <summary>What <c>shoal status --json</c> prints.</summary>
internal sealed record StatusReport
{
    public required string Engine { get; init; }

    public required IReadOnlyList<GroupStatus> Groups { get; init; }
}

/// <summary>One group on one topic.</summary>
internal sealed record GroupStatus
{
    /// <summary>The topic, or null for a group that has members but no committed offsets yet.</summary>
    public required string? Topic { get; init; }

    public required string Group { get; init; }

    public required IReadOnlyList<MemberStatus> Members { get; init; }

    public required IReadOnlyList<PartitionStatus> Partitions { get; init; }

    /// <summary>Sum of the partitions' lag.</summary>
    public long Lag { get; init; }

    /// <summary>The autoscaling policy's answer (null with <c>--sample 0</c> or for a group without a topic).</summary>
    public AutoscaleStatus? Autoscale { get; init; }
}

/// <summary>A member, from its heartbeat record.</summary>
internal sealed record MemberStatus
{
    public required string MemberId { get; init; }

    /// <summary>healthy, degraded or unhealthy (as the member last reported), or dead (no heartbeat within its session TTL).</summary>
    public required string Health { get; init; }

    public double Weight { get; init; }

    public int Capacity { get; init; }

    public long InFlight { get; init; }

    public double EventsPerSecond { get; init; }

    /// <summary>Now minus the record's heartbeat time (the member's clock); never negative.</summary>
    public long HeartbeatAgeMs { get; init; }

    /// <summary>The session TTL the member is judged by: its own, or the default for a record that does not state one.</summary>
    public long SessionTtlMs { get; init; }

    public string? Address { get; init; }

    /// <summary>Partitions whose live lease this member holds.</summary>
    public required IReadOnlyList<int> Owned { get; init; }
}

/// <summary>A partition of a group: its lease, committed offset and lag.</summary>
internal sealed record PartitionStatus
{
    public int Partition { get; init; }

    /// <summary>The member holding a live lease, or null.</summary>
    public string? Owner { get; init; }

    /// <summary>held, expired, released or none.</summary>
    public required string Lease { get; init; }

    /// <summary>The lease's fencing epoch (or the committed offset's, without a lease record).</summary>
    public long Epoch { get; init; }

    /// <summary>Until the lease lapses unless renewed (negative: lapsed); null when nobody holds it.</summary>
    public long? LeaseExpiresInMs { get; init; }

    /// <summary>The committed offset (next to process), or null when the group never started the partition.</summary>
    public long? Committed { get; init; }

    /// <summary>The partition's end offset.</summary>
    public long End { get; init; }

    /// <summary>End minus committed (minus the start offset when nothing is committed).</summary>
    public long Lag { get; init; }
}
