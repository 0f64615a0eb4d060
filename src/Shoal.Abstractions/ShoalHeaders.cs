namespace Shoal;

/// <summary>Header names Shoal writes on dead-lettered events (and reads on the wire; see docs/wire-format.md).</summary>
public static class ShoalHeaders
{
    /// <summary>Why the event was dead-lettered: <c>handler-failed</c>, <c>malformed-payload</c>, <c>unknown-type</c> or <c>parked</c>.</summary>
    public const string DeadLetterReason = "shoal-dlq-reason";

    /// <summary>The CLR type name of the last exception.</summary>
    public const string ErrorType = "shoal-error-type";

    /// <summary>The last exception's message.</summary>
    public const string ErrorMessage = "shoal-error-message";

    /// <summary>How many attempts were made.</summary>
    public const string Attempts = "shoal-attempts";

    /// <summary>The group that dead-lettered the event.</summary>
    public const string Group = "shoal-group";

    /// <summary>The source topic.</summary>
    public const string OriginalTopic = "shoal-original-topic";

    /// <summary>The source partition.</summary>
    public const string OriginalPartition = "shoal-original-partition";

    /// <summary>The source offset.</summary>
    public const string OriginalOffset = "shoal-original-offset";

    /// <summary>The reason values of <see cref="DeadLetterReason"/>.</summary>
    public static class Reasons
    {
        public const string HandlerFailed = "handler-failed";
        public const string MalformedPayload = "malformed-payload";
        public const string UnknownType = "unknown-type";
        public const string Parked = "parked";
    }
}
