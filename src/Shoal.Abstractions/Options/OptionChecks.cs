using System.ComponentModel;

namespace Shoal;

/// <summary>Guards shared by the options records' <c>Validate</c> methods in every Shoal package.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OptionChecks
{
    /// <summary>
    /// The longest a .NET timer waits (<c>Task.Delay</c>, <c>PeriodicTimer</c>, <c>CancellationTokenSource.CancelAfter</c>):
    /// 2^32 − 2 milliseconds, about 49.7 days. Intervals and timeouts that drive a timer must not exceed it.
    /// </summary>
    public static TimeSpan MaxTimerDuration { get; } = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static void Range(string field, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw new ShoalConfigurationException(field, $"must be between {min} and {max}; was {value}.");
        }
    }

    public static void Range(string field, double value, double min, double max)
    {
        if (double.IsNaN(value) || value < min || value > max)
        {
            throw new ShoalConfigurationException(field, $"must be between {min} and {max}; was {value}.");
        }
    }

    public static void Positive(string field, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ShoalConfigurationException(field, $"must be a positive duration; was {value}.");
        }
    }

    /// <summary>A duration a timer waits for: more than zero and at most <see cref="MaxTimerDuration"/>.</summary>
    public static void PositiveTimer(string field, TimeSpan value)
    {
        Positive(field, value);
        if (value > MaxTimerDuration)
        {
            throw new ShoalConfigurationException(field, $"must be at most {MaxTimerDuration} (the longest a timer waits); was {value}.");
        }
    }

    public static void PositiveOrInfinite(string field, TimeSpan value)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ShoalConfigurationException(field, $"must be a positive duration or Timeout.InfiniteTimeSpan; was {value}.");
        }
    }

    public static void NotNegative(string field, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ShoalConfigurationException(field, $"must not be negative; was {value}.");
        }
    }

    public static void Defined<TEnum>(string field, TEnum value) where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new ShoalConfigurationException(field, $"'{value}' is not one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
        }
    }
}
