namespace Shoal;

/// <summary>Retry with exponential backoff and jitter: delay n = min(Max, Initial × Multiplier^(n−1)) ± Jitter.</summary>
public sealed record RetryOptions
{
    /// <summary>5 attempts, 200 ms doubling to at most 30 s, ±20 % jitter. A new instance on every call, so changing one (a configuration binder does) never changes another.</summary>
    public static RetryOptions Default => new();

    /// <summary>Attempts in all, the first included; 1 means no retry. Default 5.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Delay before the first retry. Default 200 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest delay. Default 30 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Growth factor between retries. Default 2.</summary>
    public double Multiplier { get; init; } = 2.0;

    /// <summary>Random spread as a fraction of the delay, 0 to 1. Default 0.2 (±20 %).</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        OptionChecks.Range("RetryOptions.MaxAttempts", MaxAttempts, 1, 1000);
        OptionChecks.NotNegative("RetryOptions.InitialBackoff", InitialBackoff);
        OptionChecks.NotNegative("RetryOptions.MaxBackoff", MaxBackoff);
        if (MaxBackoff < InitialBackoff)
        {
            throw new ShoalConfigurationException("RetryOptions.MaxBackoff", $"must be at least InitialBackoff ({InitialBackoff}); was {MaxBackoff}.");
        }

        OptionChecks.Range("RetryOptions.Multiplier", Multiplier, 1.0, 100.0);
        OptionChecks.Range("RetryOptions.Jitter", Jitter, 0.0, 1.0);
    }

    /// <summary>The delay before attempt <paramref name="nextAttempt"/> (2 = first retry), with jitter from <paramref name="random"/>.</summary>
    public TimeSpan BackoffBefore(int nextAttempt, Random random)
    {
        var exponent = Math.Max(0, nextAttempt - 2);
        var ticks = InitialBackoff.Ticks * Math.Pow(Multiplier, exponent);
        ticks = Math.Min(ticks, MaxBackoff.Ticks);
        if (Jitter > 0)
        {
            ticks *= 1.0 + (Jitter * ((random.NextDouble() * 2.0) - 1.0));
        }

        return TimeSpan.FromTicks((long)Math.Clamp(ticks, 0, MaxBackoff.Ticks));
    }
}
