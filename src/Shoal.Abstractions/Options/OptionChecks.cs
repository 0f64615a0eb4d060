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

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming <paramref name="field"/> unless <paramref name="value"/> is between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public static void Range(string field, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            throw new ShoalConfigurationException(field, $"must be between {min} and {max}; was {value}.");
        }
    }

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming <paramref name="field"/> unless <paramref name="value"/> is between <paramref name="min"/> and <paramref name="max"/> (and a number).</summary>
    public static void Range(string field, double value, double min, double max)
    {
        if (double.IsNaN(value) || value < min || value > max)
        {
            throw new ShoalConfigurationException(field, $"must be between {min} and {max}; was {value}.");
        }
    }

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming <paramref name="field"/> unless <paramref name="value"/> is more than zero.</summary>
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

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming <paramref name="field"/> unless <paramref name="value"/> is a timer duration (<see cref="PositiveTimer"/>) or <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    public static void PositiveOrInfinite(string field, TimeSpan value)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ShoalConfigurationException(field, $"must be a positive duration or Timeout.InfiniteTimeSpan; was {value}.");
        }
    }

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming <paramref name="field"/> when <paramref name="value"/> is negative.</summary>
    public static void NotNegative(string field, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ShoalConfigurationException(field, $"must not be negative; was {value}.");
        }
    }

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming <paramref name="field"/> unless <paramref name="value"/> is a named value of <typeparamref name="TEnum"/>.</summary>
    public static void Defined<TEnum>(string field, TEnum value) where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new ShoalConfigurationException(field, $"'{value}' is not one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
        }
    }
}
