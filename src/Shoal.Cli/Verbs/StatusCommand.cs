using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Shoal.Cli.Engines;
using Shoal.Cli.Infrastructure;
using Shoal.Cluster;
using Shoal.Engine;
using Shoal.Scenarios.Workload;

namespace Shoal.Cli.Verbs;

/// <summary><c>shoal status</c>: members and health, partition owners and epochs, committed offsets and lag, per topic and group.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var engine = new EngineOption();
        var group = VerbOptions.Group("Only this group (default: every group found in the engine)", required: false);
        var sample = DurationOptions.Create("--sample", TimeSpan.FromSeconds(1), "Time between the two samples of lag and rates from which the autoscaling policy's desired members are computed; 0 skips it");
        var timeout = DurationOptions.Create("--timeout", DefaultTimeout,
            "How long connecting, and each read, may keep retrying transient engine errors (a server restarting, a leader election) before status gives up").Positive();
        var json = CliOutput.CreateJsonOption();
        var command = new Command("status", "Show each group's members and health, partition owners and epochs, committed offsets, lag and the autoscaler's desired members")
        {
            group, sample, timeout, json,
        };
        engine.AddTo(command);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var output = CliOutput.For(parseResult, json);
            return output.RunAsync(() => RunAsync(engine.GetValue(parseResult, output.Error), parseResult.GetValue(group), parseResult.GetValue(sample), parseResult.GetValue(timeout), output, cancellationToken), cancellationToken);
        });
        return command;
    }

    /// <summary>How long status retries transient engine errors (a server restarting, a leader election) before it fails, unless <c>--timeout</c> says.</summary>
    internal static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static async Task<int> RunAsync(string uri, string? onlyGroup, TimeSpan sample, TimeSpan retryFor, CliOutput output, CancellationToken cancellationToken)
    {
        var retrying = EngineRetries.ReportTo(output.Error);
        await using var engine = await EngineRetries.WithinAsync(
            () => EngineRetries.RunAsync(attempt => ShoalEngines.OpenAsync(uri, EngineUris.Services, attempt), retryFor, cancellationToken, retrying),
            "connecting", "--timeout", retryFor);
        var groups = await EngineRetries.WithinAsync(
            () => EngineRetries.RunAsync(async attempt => await ReadAsync(engine, onlyGroup, TimeProvider.System, attempt), retryFor, cancellationToken, retrying),
            "reading the groups", "--timeout", retryFor);
        IReadOnlyDictionary<(string Group, string Topic), AutoscaleStatus> autoscale = new Dictionary<(string, string), AutoscaleStatus>();
        if (sample > TimeSpan.Zero)
        {
            autoscale = await EngineRetries.WithinAsync(
                () => EngineRetries.RunAsync(
                    async attempt => await StatusAutoscale.ReadAsync(engine, groups, sample, TimeProvider.System, attempt), retryFor, cancellationToken, retrying,
                    attemptTimeout: sample + EngineRetries.DefaultAttemptTimeout), // the attempt samples for --sample first
                "sampling lag", "--timeout", retryFor);
        }

        if (output.Json)
        {
            output.Line(StatusJson.Write(uri, groups, autoscale));
        }
        else
        {
            Print(output, uri, groups, autoscale);
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// The library's read model (<see cref="ClusterStatus.ReadGroupsAsync"/>) of every group, or only
    /// <paramref name="onlyGroup"/>: members are judged by their own session TTL, records without one by
    /// <see cref="ClusterOptions.SessionTtl"/>'s default.
    /// </summary>
    public static async Task<IReadOnlyList<GroupStatus>> ReadAsync(IShoalEngine engine, string? onlyGroup, TimeProvider time, CancellationToken cancellationToken) =>
        await ClusterStatus.ReadGroupsAsync(engine, onlyGroup, ClusterOptions.Default.SessionTtl, time, cancellationToken);

    /// <summary>healthy, degraded or unhealthy (as the member last reported), or dead (no heartbeat within its session TTL).</summary>
    internal static string Health(MemberStatus member) => member.Live ? member.Record.Health.ToString().ToLowerInvariant() : "dead";

    /// <summary>The partitions of <paramref name="topic"/> whose live lease <paramref name="member"/> holds (none without a topic).</summary>
    internal static IEnumerable<int> Owned(MemberStatus member, GroupTopicStatus? topic) =>
        topic?.Partitions.Where(p => p.Owner == member.Record.MemberId).Select(p => p.Partition) ?? [];

    /// <summary>One block of the output per (group, topic); a group without topics is one block with no topic.</summary>
    internal static IEnumerable<(GroupStatus Group, GroupTopicStatus? Topic)> Blocks(IReadOnlyList<GroupStatus> groups) =>
        groups.SelectMany(g => g.Topics.Count == 0 ? [(g, (GroupTopicStatus?)null)] : g.Topics.Select(t => (g, (GroupTopicStatus?)t)));

    private static void Print(CliOutput output, string uri, IReadOnlyList<GroupStatus> groups, IReadOnlyDictionary<(string Group, string Topic), AutoscaleStatus> autoscale)
    {
        if (groups.Count == 0)
        {
            output.Line($"No groups found on {ShoalEngines.Redact(uri)}.");
            return;
        }

        var c = CultureInfo.InvariantCulture;
        foreach (var (g, t) in Blocks(groups))
        {
            var title = t is null ? $"group {g.Group} (no committed offsets yet)" : $"group {g.Group} on topic {t.Topic}: lag {t.Lag.ToString("N0", c)}";
            TablePrinter.Print(output, title + " — members",
                ["member", "health", "weight", "in flight", "events/s", "heartbeat age", "partitions"],
                [.. g.Members.Select(m => new[]
                {
                    m.Record.MemberId, Health(m), m.Record.Weight.ToString(c), m.Record.Load.InFlight.ToString(c), Math.Round(m.Record.Load.EventsPerSecond, 1).ToString("N1", c),
                    ((long)m.HeartbeatAge.TotalMilliseconds).ToString(c) + " ms", string.Join(' ', Owned(m, t)),
                })]);
            if (t is { Partitions.Count: > 0 })
            {
                TablePrinter.Print(output, title + " — partitions",
                    ["partition", "owner", "lease", "epoch", "committed", "end", "lag"],
                    [.. t.Partitions.Select(p => new[]
                    {
                        p.Partition.ToString(c), p.Owner ?? "-", p.Lease.ToString().ToLowerInvariant(), p.Epoch.ToString(c), p.Committed?.ToString(c) ?? "-", p.End.ToString(c), p.Lag.ToString(c),
                    })]);
            }

            if (t is not null && autoscale.TryGetValue((g.Group, t.Topic), out var a))
            {
                output.Line(string.Create(c,
                    $"group {g.Group}: autoscaler wants {a.DesiredMembers} members ({a.Reason}; {a.LiveMembers} live) — lag {a.Lag:N0}, arrivals {a.ArrivalRate:N1}/s, processed {a.ProcessedRate:N1}/s, per member {a.PerMemberRate:N1}/s over {a.SampledMs} ms"));
            }
        }
    }
}

/// <summary>
/// What <c>shoal status --json</c> prints (docs/cli.md): the library's read model, one entry of <c>groups</c> per
/// (group, topic), with the autoscaling policy's answer where it was sampled.
/// </summary>
internal static class StatusJson
{
    public static string Write(string uri, IReadOnlyList<GroupStatus> groups, IReadOnlyDictionary<(string Group, string Topic), AutoscaleStatus> autoscale)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("engine", ShoalEngines.Redact(uri));
            w.WriteStartArray("groups");
            foreach (var (g, t) in StatusCommand.Blocks(groups))
            {
                var now = g.At;
                w.WriteStartObject();
                w.WriteString("topic", t?.Topic);
                w.WriteString("group", g.Group);
                w.WriteStartArray("members");
                foreach (var m in g.Members)
                {
                    w.WriteStartObject();
                    w.WriteString("memberId", m.Record.MemberId);
                    w.WriteString("health", StatusCommand.Health(m));
                    w.WriteNumber("weight", m.Record.Weight);
                    w.WriteNumber("capacity", m.Record.Capacity);
                    w.WriteNumber("inFlight", m.Record.Load.InFlight);
                    w.WriteNumber("eventsPerSecond", Math.Round(m.Record.Load.EventsPerSecond, 1));
                    w.WriteNumber("heartbeatAgeMs", (long)m.HeartbeatAge.TotalMilliseconds);
                    w.WriteNumber("sessionTtlMs", (long)m.SessionTtl.TotalMilliseconds);
                    w.WriteString("address", m.Record.Address);
                    w.WriteStartArray("owned");
                    foreach (var p in StatusCommand.Owned(m, t))
                    {
                        w.WriteNumberValue(p);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("partitions");
                foreach (var p in t?.Partitions ?? [])
                {
                    w.WriteStartObject();
                    w.WriteNumber("partition", p.Partition);
                    w.WriteString("owner", p.Owner);
                    w.WriteString("lease", p.Lease.ToString().ToLowerInvariant());
                    w.WriteNumber("epoch", p.Epoch);
                    WriteNumberOrNull(w, "leaseExpiresInMs", p.LeaseExpiresAt is { } expires ? (long)(expires - now).TotalMilliseconds : null);
                    WriteNumberOrNull(w, "committed", p.Committed);
                    w.WriteNumber("end", p.End);
                    w.WriteNumber("lag", p.Lag);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteNumber("lag", t?.Lag ?? 0);
                w.WritePropertyName("autoscale");
                if (t is not null && autoscale.TryGetValue((g.Group, t.Topic), out var a))
                {
                    JsonSerializer.Serialize(w, a, CliJsonContext.Default.AutoscaleStatus);
                }
                else
                {
                    w.WriteNullValue();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
