using System.Text.Json;
using Shoal.Engine;

namespace Shoal.Cluster.Leases;

/// <summary>
/// The stored lease of a partition (key <see cref="CoordinationKeys.Lease"/>) →
/// <c>{"owner":"m1","epoch":7,"expiresAtMs":1700000000000}</c>. A released lease keeps its epoch with an empty
/// owner, so epochs only grow.
/// </summary>
internal readonly record struct LeaseRecord(string Owner, long Epoch, long ExpiresAtMs)
{
    public bool IsFree(long nowMs) => Owner.Length == 0 || ExpiresAtMs <= nowMs;

    public byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["owner"] = Owner,
        ["epoch"] = Epoch,
        ["expiresAtMs"] = ExpiresAtMs,
    });

    public static LeaseRecord Decode(ReadOnlySpan<byte> utf8, string key)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8.ToArray());
            var root = document.RootElement;
            return new LeaseRecord(
                root.GetProperty("owner").GetString() ?? string.Empty,
                root.GetProperty("epoch").GetInt64(),
                root.GetProperty("expiresAtMs").GetInt64());
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ShoalException($"The lease record '{key}' is not valid: {ex.Message}", ex);
        }
    }
}
