using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shoal.Server;

/// <summary>Where each ingested event went.</summary>
internal sealed record IngestResponse(string Topic, IReadOnlyList<IngestedEvent> Events);

internal sealed record IngestedEvent(string Id, int Partition, long Offset, bool Duplicate);

internal sealed record TopicResponse(string Name, int Partitions, IReadOnlyList<PartitionOffsetsResponse>? Offsets);

internal sealed record PartitionOffsetsResponse(int Partition, long Start, long End);

internal sealed record TopicListResponse(IReadOnlyList<TopicResponse> Topics);

internal sealed record GroupListResponse(IReadOnlyList<string> Groups);

internal sealed record GroupResponse(string Group, DateTimeOffset At, IReadOnlyList<MemberResponse> Members, IReadOnlyList<GroupTopicResponse> Topics);

internal sealed record MemberResponse(string Id, bool Live, string Health, double Weight, int Capacity, long InFlight, double EventsPerSecond, DateTimeOffset HeartbeatAt, string? Address, int Partitions);

internal sealed record GroupTopicResponse(string Topic, long Lag, long DeadLetters, double? HandledPerSecond, IReadOnlyList<PartitionResponse> Partitions);

internal sealed record PartitionResponse(int Partition, string? Owner, long Epoch, long? Committed, long End, long Lag);

internal sealed record DashboardSnapshot(DateTimeOffset At, IReadOnlyList<TopicRate> Topics, IReadOnlyList<GroupResponse> Groups, string? Error);

internal sealed record TopicRate(string Name, int Partitions, long End, double? AppendedPerSecond);

internal sealed record HealthResponse(string Status, IReadOnlyDictionary<string, HealthEntry> Checks);

internal sealed record HealthEntry(string Status, string? Description);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IngestResponse))]
[JsonSerializable(typeof(TopicResponse))]
[JsonSerializable(typeof(TopicListResponse))]
[JsonSerializable(typeof(GroupListResponse))]
[JsonSerializable(typeof(GroupResponse))]
[JsonSerializable(typeof(DashboardSnapshot))]
[JsonSerializable(typeof(HealthResponse))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
