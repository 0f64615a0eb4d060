namespace Shoal.Simulation.Autoscaling;

/// <summary>The shapes of load an autoscaling simulation (<c>shoal autoscale-sim</c>) can replay.</summary>
public enum LoadProfileKind
{
    /// <summary>Base load, then 4× base from <see cref="LoadProfile.StepAt"/> to the end.</summary>
    Step,

    /// <summary>Base load with one 4× burst of <see cref="LoadProfile.SpikeLength"/>.</summary>
    Spike,

    /// <summary>A slow wave between 1× and 4× base.</summary>
    Sine,

    /// <summary>2.5× base with ±20 % uniform noise every second (seeded).</summary>
    Noisy,
}
