namespace Shoal.Simulation.Autoscaling;

/// <summary>One target of issue 8 checked on a run: the measured value (null: never reached), the limit, and whether it holds.</summary>
/// <param name="Name">The target's name (camelCase).</param>
/// <param name="Value">The measured value; null when it was never reached.</param>
/// <param name="Limit">The most the value may be.</param>
/// <param name="Met">Whether the target holds.</param>
/// <param name="Description">What the value measures.</param>
public sealed record SimTargetCheck(string Name, double? Value, double Limit, bool Met, string Description);
