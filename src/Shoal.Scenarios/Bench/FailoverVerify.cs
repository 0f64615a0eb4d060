namespace Shoal.Scenarios.Bench;

/// <summary>What <c>shoal verify</c> said at the end of the bench.</summary>
/// <param name="Passed">Nothing lost, nothing out of order.</param>
/// <param name="Produced">Events produced.</param>
/// <param name="Lost">Events never handled.</param>
/// <param name="Duplicates">Events handled more than once.</param>
/// <param name="OrderViolations">Events of a key handled out of order.</param>
public sealed record FailoverVerify(bool Passed, long Produced, long Lost, long Duplicates, long OrderViolations);
