using System.Buffers;
using System.Text.Json;

namespace Shoal.Cluster;

/// <summary>
/// Encodes member records as UTF-8 JSON:
/// <c>{"memberId":"w1","incarnation":"9f…","weight":1,"capacity":64,"health":"healthy",
/// "load":{"inFlight":3,"eventsPerSecond":120.5},"heartbeatMs":1735689600000,"sessionTtlMs":30000,"address":"…"}</c>.
/// Unknown properties are skipped, so later versions may add fields. <c>sessionTtlMs</c> is absent from records of
/// earlier versions, and ignored when it is not a whole number of milliseconds from 1 to
/// <see cref="OptionChecks.MaxTimerDuration"/> (no member can run with another): such records are judged by the
/// observer's default.
/// </summary>
internal static class MemberRecordCodec
{
    public static byte[] Encode(MemberRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("memberId", record.MemberId);
            writer.WriteString("incarnation", record.Incarnation);
            writer.WriteNumber("weight", record.Weight);
            writer.WriteNumber("capacity", record.Capacity);
            writer.WriteString("health", HealthName(record.Health));
            writer.WriteStartObject("load");
            writer.WriteNumber("inFlight", record.Load.InFlight);
            writer.WriteNumber("eventsPerSecond", record.Load.EventsPerSecond);
            writer.WriteEndObject();
            writer.WriteNumber("heartbeatMs", record.HeartbeatAt.ToUnixTimeMilliseconds());
            if (record.SessionTtl is { } ttl)
            {
                writer.WriteNumber("sessionTtlMs", (long)ttl.TotalMilliseconds);
            }

            if (record.Address is not null)
            {
                writer.WriteString("address", record.Address);
            }

            if (record.Assignor is { } assignor)
            {
                writer.WriteString("assignor", assignor.ToString());
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a record written by <see cref="Encode"/>; false when the bytes are not a valid one.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> utf8, out MemberRecord? record)
    {
        record = null;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            string? memberId = null, incarnation = null, address = null;
            AssignorKind? assignor = null;
            double weight = 1;
            int capacity = 0;
            MemberHealth? health = null;
            long? heartbeatMs = null;
            TimeSpan? sessionTtl = null;
            MemberLoad load = default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                if (!reader.Read())
                {
                    return false;
                }

                switch (name)
                {
                    case "memberId": memberId = reader.GetString(); break;
                    case "incarnation": incarnation = reader.GetString(); break;
                    case "weight": weight = reader.GetDouble(); break;
                    case "capacity": capacity = reader.GetInt32(); break;
                    case "health": health = ParseHealth(reader.GetString()); break;
                    case "heartbeatMs": heartbeatMs = reader.GetInt64(); break;
                    case "sessionTtlMs": sessionTtl = ReadSessionTtl(ref reader); break;
                    case "address": address = reader.TokenType == JsonTokenType.Null ? null : reader.GetString(); break;
                    case "assignor": assignor = Enum.TryParse<AssignorKind>(reader.GetString(), out var kind) && Enum.IsDefined(kind) ? kind : null; break;
                    case "load":
                        if (!TryReadLoad(ref reader, out load))
                        {
                            return false;
                        }

                        break;
                    default: reader.Skip(); break;
                }
            }

            if (!NameRules.IsValid(memberId) || string.IsNullOrEmpty(incarnation) || health is null || heartbeatMs is null
                || !double.IsFinite(weight) || weight < 0 || capacity < 0)
            {
                return false;
            }

            record = new MemberRecord
            {
                MemberId = memberId!,
                Incarnation = incarnation,
                Weight = weight,
                Capacity = capacity,
                Health = health.Value,
                Load = load,
                HeartbeatAt = DateTimeOffset.FromUnixTimeMilliseconds(heartbeatMs.Value),
                SessionTtl = sessionTtl,
                Address = address,
                Assignor = assignor,
            };
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>A session TTL in whole milliseconds, 1 to <see cref="OptionChecks.MaxTimerDuration"/>; null for anything else.</summary>
    private static TimeSpan? ReadSessionTtl(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var ms) && ms > 0 && ms <= OptionChecks.MaxTimerDuration.TotalMilliseconds
            ? TimeSpan.FromMilliseconds(ms)
            : null;

    private static bool TryReadLoad(ref Utf8JsonReader reader, out MemberLoad load)
    {
        load = default;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        long inFlight = 0;
        double rate = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            if (!reader.Read())
            {
                return false;
            }

            switch (name)
            {
                case "inFlight": inFlight = reader.GetInt64(); break;
                case "eventsPerSecond": rate = reader.GetDouble(); break;
                default: reader.Skip(); break;
            }
        }

        load = new MemberLoad(inFlight, rate);
        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static string HealthName(MemberHealth health) => health switch
    {
        MemberHealth.Healthy => "healthy",
        MemberHealth.Degraded => "degraded",
        _ => "unhealthy",
    };

    private static MemberHealth? ParseHealth(string? value) => value switch
    {
        "healthy" => MemberHealth.Healthy,
        "degraded" => MemberHealth.Degraded,
        "unhealthy" => MemberHealth.Unhealthy,
        _ => null,
    };
}
