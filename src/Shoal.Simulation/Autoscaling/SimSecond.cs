namespace Shoal.Simulation.Autoscaling;

/// <summary>One second of a run: what arrived, how many members were asked for and working, and the lag after it.</summary>
/// <param name="T">The second, from 0.</param>
/// <param name="Arrivals">Events that arrived during it.</param>
/// <param name="Members">Members asked for (starting or working).</param>
/// <param name="Ready">Members past their start-up delay.</param>
/// <param name="Lag">The backlog at its end.</param>
/// <param name="OracleMembers">Members the oracle (the cheapest schedule knowing the load in advance) paid for.</param>
/// <param name="OracleLag">The oracle's backlog at its end.</param>
public readonly record struct SimSecond(int T, double Arrivals, int Members, int Ready, double Lag, int OracleMembers, double OracleLag);
