namespace Shoal;

/// <summary>Header names Shoal writes on dead-lettered events (and reads on the wire; see docs/wire-format.md).</summary>
public static class ShoalHeaders
{
    /// <summary>Why the event was dead-lettered: <c>handler-failed</c>, <c>malformed-payload</c>, <c>unknown-type</c>, <c>parked</c> or <c>wrong-partition</c>.</summary>
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

    /// <summary>
    /// The headers that carry an event's own fields on engines that keep events as header-and-payload messages (NATS;
    /// docs/wire-format.md). An application header may not use these names nor any <see cref="ReservedPrefix"/> name
    /// (<see cref="EventRules.IsReservedHeaderName"/>).
    /// </summary>
    public static class Envelope
    {
        /// <summary>The event id.</summary>
        public const string Id = "Shoal-Id";
        /// <summary>The event type name.</summary>
        public const string Type = "Shoal-Type";
        /// <summary>The event key (the partition key).</summary>
        public const string Key = "Shoal-Key";
        /// <summary>The payload encoding (a media type, e.g. <c>application/json</c>).</summary>
        public const string ContentType = "Content-Type";
        /// <summary>When the producer published the event (ISO 8601 UTC, round-trip format).</summary>
        public const string Timestamp = "Shoal-Timestamp";

        /// <summary>JetStream's de-duplication id, written (= the event id) when the event asks for de-duplication.</summary>
        public const string MsgId = "Nats-Msg-Id";

        /// <summary>Names JetStream interprets (<c>Nats-Msg-Id</c>, <c>Nats-Expected-*</c>, <c>Nats-Rollup</c>, …), ignoring case.</summary>
        public const string ReservedPrefix = "Nats-";
    }

    /// <summary>The reason values of <see cref="DeadLetterReason"/>.</summary>
    public static class Reasons
    {
        /// <summary>A handler kept failing after its retries.</summary>
        public const string HandlerFailed = "handler-failed";
        /// <summary>The payload could not be deserialized.</summary>
        public const string MalformedPayload = "malformed-payload";
        /// <summary>The event type name is not registered.</summary>
        public const string UnknownType = "unknown-type";
        /// <summary>The event's key was parked by an earlier failure of the same key.</summary>
        public const string Parked = "parked";

        /// <summary>The event's key hashes to another partition than the one it was read from (a producer hashed it wrong).</summary>
        public const string WrongPartition = "wrong-partition";
    }
}
