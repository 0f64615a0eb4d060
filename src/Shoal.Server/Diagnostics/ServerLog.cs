using Microsoft.Extensions.Logging;

namespace Shoal.Server.Diagnostics;

/// <summary>Source-generated log messages of the server (event ids 3000–3099).</summary>
internal static partial class ServerLog
{
    [LoggerMessage(3001, LogLevel.Warning, "Ingest of {Count} events to topic {Topic} failed in the engine")]
    public static partial void IngestFailed(ILogger logger, Exception exception, string topic, int count);

    [LoggerMessage(3002, LogLevel.Warning, "No API keys are configured: every caller has every scope. Give --api-key or Shoal:ApiKeys.")]
    public static partial void AuthenticationOff(ILogger logger);

    [LoggerMessage(3003, LogLevel.Warning, "Reading the cluster's status failed; the dashboard keeps the last one")]
    public static partial void StatusFailed(ILogger logger, Exception exception);

    [LoggerMessage(3004, LogLevel.Information, "UDP ingest (at-most-once) listening on {Endpoint}")]
    public static partial void UdpListening(ILogger logger, string endpoint);

    [LoggerMessage(3005, LogLevel.Warning, "UDP ingest: publishing {Count} events to topic {Topic} failed; they are dropped (at-most-once)")]
    public static partial void UdpPublishFailed(ILogger logger, Exception exception, string topic, int count);

    [LoggerMessage(3006, LogLevel.Debug, "UDP ingest: an event to topic {Topic} was refused and is dropped (counted malformed): {Reason}")]
    public static partial void UdpEventRefused(ILogger logger, string topic, string reason);
}
