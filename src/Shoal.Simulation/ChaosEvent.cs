namespace Shoal.Simulation;

/// <summary>The simulation's event: a key and its sequence number within that key (from 0), so order and gaps show.</summary>
public sealed record ChaosEvent(string Key, int Seq);
