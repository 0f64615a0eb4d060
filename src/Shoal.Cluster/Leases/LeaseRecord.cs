using System.Text.Json;
using Shoal.Engine;

namespace Shoal.Cluster.Leases;

/// <summary>
/// The stored lease of a partition (key <see cref="CoordinationKeys.Lease"/>) →
/// <c>{"owner":"m1","epoch":7,"expiresAtMs":1700000000000}</c>. A released lease keeps its epoch with an empty
/// owner, so epochs only grow, and <c>expiresAtMs</c> then says when it was released (0 in records written before that). Public for tools that read the store (the simulation's recorder, status readers in
/// other processes); members write it only through their lease table.
/// </summary>
/// <param name="Owner">The member id holding the lease; empty when released.</param>
/// <param name="Epoch">The partition's fencing epoch: it grows by one with every new holder.</param>
/// <param name="ExpiresAtMs">When the lease lapses unless renewed, in Unix milliseconds.</param>
public readonly record struct LeaseRecord(string Owner, long Epoch, long ExpiresAtMs)
{
    /// <summary>True when nobody holds the lease at <paramref name="nowMs"/> (released, or expired).</summary>
    public bool IsFree(long nowMs) => Owner.Length == 0 || ExpiresAtMs <= nowMs;

    /// <summary>The record's stored form (UTF-8 JSON).</summary>
    public byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["owner"] = Owner,
        ["epoch"] = Epoch,
        ["expiresAtMs"] = ExpiresAtMs,
    });

    /// <summary>Reads a stored record; throws <see cref="ShoalException"/> naming <paramref name="key"/> when it is not one.</summary>
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
