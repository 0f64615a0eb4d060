namespace Shoal.Cluster;

/// <summary>What <see cref="GuaranteeChecker.Check()"/> found.</summary>
/// <param name="Produced">Distinct (key, sequence) pairs marked as published.</param>
/// <param name="Processed">Records (handlings), duplicates included.</param>
/// <param name="Lost">Published pairs never recorded.</param>
/// <param name="Duplicates">Records of a pair already recorded.</param>
/// <param name="OrderViolations">Records that broke a key's order (see <see cref="GuaranteeChecker.Record(int, long, long)"/>).</param>
public readonly record struct GuaranteeCounts(long Produced, long Processed, long Lost, long Duplicates, long OrderViolations);
