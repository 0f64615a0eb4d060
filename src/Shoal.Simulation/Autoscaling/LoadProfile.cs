namespace Shoal.Simulation.Autoscaling;

/// <summary>
/// Arrivals per second of one profile: a deterministic shape plus, for <see cref="LoadProfileKind.Noisy"/>,
/// seeded noise. The same seed gives the same load, so a run is replayable.
/// </summary>
public sealed class LoadProfile
{
    /// <summary>When the step and the spike begin.</summary>
    public static readonly TimeSpan StepAt = TimeSpan.FromSeconds(120);

    /// <summary>How long the spike lasts.</summary>
    public static readonly TimeSpan SpikeLength = TimeSpan.FromSeconds(60);

    /// <summary>The sine wave's period.</summary>
    public static readonly TimeSpan SinePeriod = TimeSpan.FromSeconds(600);

    /// <summary>The step's and the spike's load, in multiples of the base rate.</summary>
    public const double StepFactor = 4;

    /// <summary>The noisy profile's mean load, in multiples of the base rate.</summary>
    public const double NoisyLevel = 2.5;

    /// <summary>The noisy profile's noise: ± this fraction, uniform.</summary>
    public const double Noise = 0.2;

    private readonly double[] _rates;
    private readonly double[] _shape;

    /// <summary>The load of <paramref name="kind"/> around <paramref name="baseRate"/> events per second for <paramref name="seconds"/> seconds; <paramref name="seed"/> seeds the noise.</summary>
    public LoadProfile(LoadProfileKind kind, double baseRate, int seconds, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        var random = new Random(seed);
        _rates = new double[seconds];
        _shape = new double[seconds];
        var step = (int)StepAt.TotalSeconds;
        for (var t = 0; t < seconds; t++)
        {
            _rates[t] = kind switch
            {
                LoadProfileKind.Step => t < step ? baseRate : baseRate * StepFactor,
                LoadProfileKind.Spike => t >= step && t < step + (int)SpikeLength.TotalSeconds ? baseRate * StepFactor : baseRate,
                LoadProfileKind.Sine => baseRate * (2.5 - (1.5 * Math.Cos(2 * Math.PI * t / SinePeriod.TotalSeconds))),
                _ => baseRate * NoisyLevel,
            };
            _shape[t] = _rates[t];
            if (kind == LoadProfileKind.Noisy)
            {
                _rates[t] *= 1 + (Noise * ((2 * random.NextDouble()) - 1));
            }
        }

        // The largest rise from one second to the next: where recovery is measured from (step and spike: the 4× step).
        var largest = 0.0;
        for (var t = 1; t < seconds; t++)
        {
            var rise = _rates[t] - _rates[t - 1];
            if (kind is LoadProfileKind.Step or LoadProfileKind.Spike && rise > largest)
            {
                largest = rise;
                LargestStepAt = t;
            }
        }
    }

    private LoadProfile(double[] rates)
    {
        _rates = rates;
        _shape = rates;
    }

    /// <summary>Seconds the profile lasts.</summary>
    public int Seconds => _rates.Length;

    /// <summary>The second of the largest step up in load, for profiles that have one (step, spike); otherwise null.</summary>
    public int? LargestStepAt { get; }

    /// <summary>The load's shape at second <paramref name="t"/>, without noise.</summary>
    public double ShapeAt(int t) => _shape[t];

    /// <summary>Events arriving during second <paramref name="t"/>.</summary>
    public double RateAt(int t) => _rates[t];

    /// <summary>
    /// A load given second by second, for shapes the named profiles do not cover (tests of the policy on, say, a train of
    /// bursts). It has no largest step, so no recovery time is measured on it.
    /// </summary>
    public static LoadProfile FromRates(IEnumerable<double> rates)
    {
        var copy = rates.ToArray();
        ArgumentOutOfRangeException.ThrowIfLessThan(copy.Length, 1, nameof(rates));
        return new LoadProfile(copy);
    }

    /// <summary>Default length of a run: long enough for the scale-down window to act after the last change of load.</summary>
    public static int DefaultSeconds(LoadProfileKind kind) => kind switch
    {
        LoadProfileKind.Sine => 1800,
        _ => 900,
    };
}
