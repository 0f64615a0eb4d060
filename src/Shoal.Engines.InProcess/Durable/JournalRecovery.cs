namespace Shoal.Engines.InProcess;

/// <summary>
/// Brings a partition's journal back at start-up, before FasterLog opens it. Every record that checks out (its
/// checksum, and the offset after the previous record's) is read from the segment files and handed to the partition,
/// from the start of the log up to the first place that does not hold the next such record. What that place and the
/// bytes after it are is then decided from the commit records:
/// <list type="bullet">
/// <item>The commit records are sound (a valid newest commit and no damaged slot, or no commit and no data) and the
/// place is at or after the newest commit: the bytes after it were never acknowledged (a write cut short by a crash,
/// possibly with later pages written before earlier ones) and are removed.</item>
/// <item>The place is before the newest commit: acknowledged records are damaged or missing. Corruption.</item>
/// <item>The commit records are missing or damaged: the records that check out are kept whatever the commit said,
/// because with <see cref="FileDurability.FlushBeforeAck"/> data is written before its commit record, so records past
/// a lost commit may have been acknowledged. Records that check out after the place mean damage, not a torn tail:
/// corruption. Bytes after it that are not records are moved to a file (they may have been acknowledged).</item>
/// </list>
/// Corruption stops the start with <see cref="JournalCorruptException"/> unless the operator accepted the loss
/// (<see cref="AcceptLossFile"/>): then the records before the place are kept and everything from it is moved to a
/// file. The commit records are then rewritten to cover exactly the kept records, so FasterLog recovers to them.
/// </summary>
internal static class JournalRecovery
{
    /// <summary>
    /// The file an operator creates in a partition's directory to accept, for the next start only, losing what is
    /// damaged in that partition (and lowering committed offsets above its end).
    /// </summary>
    public const string AcceptLossFile = "accept-loss";

    public static JournalRecoveryReport Run(
        string directory, JournalGeometry geometry, SlotCommitManager commits, string topic, int partition, bool acceptLoss, RestoreRecord restore)
    {
        var records = commits.Read();
        using var segments = new JournalSegments(directory, geometry);
        var start = segments.StartAt(records.Newest?.BeginAddress ?? JournalSegments.FirstAddress);
        var scan = Scan(segments, start, topic, partition, restore);
        var end = scan.End;
        var hasData = scan.Records > 0 || segments.AnyNonZero(start);
        var commitProblem = records.Problem ?? (records.Newest is null && hasData ? "holds no commit record (it is missing or empty)" : null);
        var committedUntil = records.Newest?.UntilAddress;
        var beforeCommit = committedUntil is { } until && end < until;
        var unreadable = segments.AnyNonZero(end);
        long? recordAfter = unreadable && (commitProblem is not null || beforeCommit)
            ? segments.FindEntry(end, EventRecordCodec.MinRecordBytes, body => EventRecordCodec.TryReadOffset(body.Span, out var offset) && offset >= scan.NextOffset)
            : null;

        string? damage = null;
        if (beforeCommit || recordAfter is not null)
        {
            damage = $"in '{segments.SegmentPath(end)}': {scan.Problem}" +
                (beforeCommit ? $" (between the journal's start {start} and its last commit {committedUntil})" : string.Empty) +
                (recordAfter is { } after ? $"; records that check out follow it (the next at address {after}), so this is damage, not a write cut short by a crash" : string.Empty);
            if (!acceptLoss)
            {
                throw new JournalCorruptException(end, damage, scan.Records);
            }
        }

        // Bytes after the kept records may have been acknowledged unless the commit records say they were not.
        string? savedTo = null;
        if (unreadable && (commitProblem is not null || beforeCommit))
        {
            savedTo = segments.SaveFrom(end);
        }

        var removed = segments.CutAt(end);
        if (hasData && (commitProblem is not null || committedUntil != end))
        {
            commits.Rewrite(start, end, records.NewestNumber);
        }
        else if (!hasData && records.Written && (records.Problem is not null || beforeCommit))
        {
            commits.RemoveAllCommits();
        }

        return new JournalRecoveryReport(
            scan.Records, scan.FirstOffset, scan.NextOffset, end, hasData, hasData ? commitProblem : null,
            unreadable && savedTo is null ? removed : 0, savedTo, savedTo is null ? 0 : new FileInfo(savedTo).Length, damage);
    }

    private static ScanResult Scan(JournalSegments segments, long start, string topic, int partition, RestoreRecord restore)
    {
        var cache = default(EventRecordCodec.DecodeCache);
        long address = start, end = start, first = -1, next = -1, records = 0;
        string problem;
        while (true)
        {
            var entry = segments.TryRead(address, out var body, out var following, out problem);
            if (entry == JournalSegments.Entry.Padding)
            {
                address = following;
                continue;
            }

            if (entry == JournalSegments.Entry.None)
            {
                break;
            }

            var decoded = EventRecordCodec.TryDecode(body, topic, partition, ref cache, out var appendTicks, out problem);
            if (decoded is not { } e)
            {
                break;
            }

            if (next >= 0 && e.Offset != next)
            {
                problem = $"record holds offset {e.Offset} where offset {next} was expected";
                break;
            }

            restore(e, appendTicks, address);
            first = first < 0 ? e.Offset : first;
            next = e.Offset + 1;
            records++;
            address = end = following;
        }

        return new ScanResult(end, records, first, next < 0 ? 0 : next, problem);
    }

    private readonly record struct ScanResult(long End, long Records, long FirstOffset, long NextOffset, string Problem);
}

/// <summary>
/// What recovering a partition's journal found and did: the records kept (offsets <paramref name="FirstOffset"/> to
/// <paramref name="NextOffset"/> − 1), the address after the last, whether the journal held anything at all, what was
/// wrong with the commit records (null when nothing), the bytes of a torn tail removed (never acknowledged), the file
/// bytes that may have been acknowledged were moved to, and the damage the operator accepted (null when none).
/// </summary>
internal readonly record struct JournalRecoveryReport(
    long Records, long FirstOffset, long NextOffset, long End, bool HasData, string? CommitProblem, long TornBytes, string? SavedTo, long SavedBytes,
    string? AcceptedDamage);
