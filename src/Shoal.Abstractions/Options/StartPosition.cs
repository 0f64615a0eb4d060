namespace Shoal;

/// <summary>Where a group with no committed offset starts reading a partition.</summary>
public enum StartPosition
{
    /// <summary>At the first retained event (Kafka's <c>earliest</c>). Default.</summary>
    Earliest,

    /// <summary>At the end: only events appended from now on (Kafka's <c>latest</c>).</summary>
    Latest,
}
