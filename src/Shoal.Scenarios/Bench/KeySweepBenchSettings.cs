namespace Shoal.Scenarios.Bench;

/// <summary>Settings of <c>shoal bench keys</c>.</summary>
/// <param name="Engine">The engine URI (<c>inproc://</c>, <c>file://…</c>, <c>nats://…</c>).</param>
/// <param name="Events">Events per measurement, all on one partition.</param>
/// <param name="Keys">Key counts to measure in key order, in the order given (event n has key n mod keys).</param>
/// <param name="Concurrency">Handler calls at once in key order (<see cref="GroupOptions.MaxConcurrency"/>); partition order is 1.</param>
/// <param name="MaxWork">Each event's handler waits a random time from 0 up to this (the same time for the same event in every measurement).</param>
/// <param name="Seed">Seed of the random work, so runs are comparable.</param>
public sealed record KeySweepBenchSettings(
    string Engine,
    int Events,
    IReadOnlyList<int> Keys,
    int Concurrency,
    TimeSpan MaxWork,
    int Seed = KeySweepBenchSettings.DefaultSeed)
{
    /// <summary>The seed unless told otherwise.</summary>
    public const int DefaultSeed = 15;

    /// <summary>At most this many events per measurement.</summary>
    public const int MaxEvents = 10_000_000;

    /// <summary>The longest handler work accepted.</summary>
    public static readonly TimeSpan MaxHandlerWork = TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="ShoalConfigurationException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Engine))
        {
            throw new ShoalConfigurationException(nameof(Engine), "must name an engine URI.");
        }

        OptionChecks.Range(nameof(Events), Events, 1, MaxEvents);
        if (Keys is null || Keys.Count == 0)
        {
            throw new ShoalConfigurationException(nameof(Keys), "must list at least one key count.");
        }

        foreach (var keys in Keys)
        {
            OptionChecks.Range(nameof(Keys), keys, 1, MaxEvents);
        }

        OptionChecks.Range(nameof(Concurrency), Concurrency, 1, 100_000);
        if (MaxWork < TimeSpan.Zero || MaxWork > MaxHandlerWork)
        {
            throw new ShoalConfigurationException(nameof(MaxWork), FormattableString.Invariant($"must be between 0 and {MaxHandlerWork.TotalMilliseconds} ms; was {MaxWork.TotalMilliseconds} ms."));
        }
    }
}
