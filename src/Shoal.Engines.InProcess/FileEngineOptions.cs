using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Shoal.Engines.InProcess;

/// <summary>Options of the durable (file) engine: a data directory, a durability policy and the in-process engine's limits.</summary>
public sealed record FileEngineOptions
{
    /// <summary>The data directory (created if missing). One process owns it at a time.</summary>
    public required string Directory { get; init; }

    /// <summary>When appends are acknowledged. Default <see cref="FileDurability.FlushBeforeAck"/>.</summary>
    public FileDurability Durability { get; init; } = FileDurability.FlushBeforeAck;

    /// <summary>With <see cref="FileDurability.Interval"/>, how often new events are committed. Default 10 ms.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Where the engine reads time from (de-duplication window, retention by age, the flush interval). Default system time.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The largest event accepted, counted as in <see cref="InProcessEngineOptions.MaxEventBytes"/>. Default 1 MiB (1 to 16 MiB).</summary>
    public int MaxEventBytes { get; init; } = 1 << 20;

    /// <summary>Retention by age and by committed offsets is checked lazily, on append, at most this often per topic. Default 1 second.</summary>
    public TimeSpan RetentionCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Receives recovery warnings (torn tails removed) and write failures. Default none.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ShoalConfigurationException("FileEngineOptions.Directory", "must name a directory; was empty.");
        }

        OptionChecks.Defined("FileEngineOptions.Durability", Durability);
        OptionChecks.Positive("FileEngineOptions.FlushInterval", FlushInterval);
        if (TimeProvider is null)
        {
            throw new ShoalConfigurationException("FileEngineOptions.TimeProvider", "must not be null.");
        }

        OptionChecks.Range("FileEngineOptions.MaxEventBytes", MaxEventBytes, 1, 16 << 20);
        OptionChecks.NotNegative("FileEngineOptions.RetentionCheckInterval", RetentionCheckInterval);
        if (LoggerFactory is null)
        {
            throw new ShoalConfigurationException("FileEngineOptions.LoggerFactory", "must not be null.");
        }
    }
}
