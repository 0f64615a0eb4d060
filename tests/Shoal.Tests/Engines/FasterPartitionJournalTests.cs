using System.Text;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Xunit;

namespace Shoal.Tests.Engines;

/// <summary>
/// Recovery of one partition journal over many pages and segment files (a small geometry: 64 KiB pages, 256 KiB
/// segments), where the durable engine's tests only reach the first 64 MiB segment.
/// </summary>
public sealed class FasterPartitionJournalTests : IDisposable
{
    private static readonly JournalGeometry Small = new(PageBits: 16, MemoryBits: 18, SegmentBits: 18);

    private readonly TempDirectory _directory = new();

    private string Commits => Path.Combine(_directory.Path, "commits");

    [Fact]
    public async Task Without_commit_records_every_record_over_pages_and_segments_is_recovered_and_appends_continue()
    {
        await WriteAsync(0, 3000);
        Assert.True(Directory.GetFiles(_directory.Path, "log.*").Length >= 3, "the records span several segment files");
        File.Delete(Commits);

        var (offsets, report) = Recover();
        Assert.Equal(Enumerable.Range(0, 3000).Select(n => (long)n), offsets);
        Assert.NotNull(report.CommitProblem);

        await WriteAsync(3000, 500);
        var (again, second) = Recover();
        Assert.Equal(Enumerable.Range(0, 3500).Select(n => (long)n), again);
        Assert.Null(second.CommitProblem);
    }

    [Fact]
    public async Task Without_commit_records_a_truncated_journal_is_read_from_its_first_remaining_segment()
    {
        long truncateAt;
        using (var journal = Open())
        {
            var addresses = Write(journal, 0, 3000);
            await journal.CommitAsync(journal.TailAddress, CancellationToken.None);
            truncateAt = addresses[2000];
            journal.TruncateUntil(truncateAt);
        }

        // FasterLog deletes the segments below the new start in the background; delete what it has not deleted yet.
        for (var segment = 0L; segment < truncateAt >> Small.SegmentBits; segment++)
        {
            File.Delete(Path.Combine(_directory.Path, $"log.{segment}"));
        }

        File.Delete(Commits);

        var (offsets, _) = Recover();
        Assert.Equal(2999, offsets[^1]);
        Assert.InRange(offsets[0], 1, 2000);
        Assert.Equal(Enumerable.Range((int)offsets[0], offsets.Count).Select(n => (long)n), offsets);
    }

    [Fact]
    public async Task Records_written_past_the_last_commit_are_recovered_and_a_missing_segment_before_it_is_corruption()
    {
        await WriteAsync(0, 1000);
        using (var journal = Open())
        {
            // More than the four in-memory pages: FasterLog writes pages out before any commit covers them.
            Write(journal, 1000, 2000);
            journal.Close(commit: false);
        }

        var (offsets, report) = Recover();
        Assert.Null(report.CommitProblem);
        Assert.True(offsets.Count > 1000, "records past the commit were read back");
        Assert.Equal(Enumerable.Range(0, offsets.Count).Select(n => (long)n), offsets);

        File.Delete(Path.Combine(_directory.Path, "log.1"));
        var error = Assert.Throws<JournalCorruptException>(() => Recover());
        Assert.Contains("log.1' is missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("last commit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recovery_holds_at_most_the_hot_window_in_memory_and_reads_the_cold_events_back()
    {
        const int Events = 1000;
        const int Shift = 4;
        const int Hot = 2;
        using (var journal = Open())
        {
            Write(journal, 0, Events);
            await journal.CommitAsync(journal.TailAddress, CancellationToken.None);
        }

        using var recovered = new FasterPartitionJournal(_directory.Path, Small);
        var log = new PartitionLog(0, Shift, recovered, hotSegments: Hot, cachedSegments: 1);
        long most = 0;
        recovered.Recover("t", 0, acceptLoss: false, (in EventEnvelope e, long ticks, long address) =>
        {
            log.Restore(e, ticks, address);
            most = Math.Max(most, log.LoadedEvents);
        });

        Assert.Equal(Events, log.HeldEvents);
        Assert.InRange(most, 1, Hot << Shift);

        var read = new List<EventEnvelope>();
        var buffer = new EventEnvelope[100];
        while (read.Count < Events)
        {
            var n = log.TryRead(read.Count, buffer, out _);
            Assert.InRange(n, 1, buffer.Length);
            read.AddRange(buffer.AsSpan(0, n));
        }

        Assert.Equal(Enumerable.Range(0, Events).Select(n => $"{n}:id-{n}:{100 + (n % 300)}"), read.Select(e => $"{e.Offset}:{e.Id}:{e.Payload.Length}"));
        Assert.InRange(log.LoadedEvents, 1, (Hot + 1) << Shift);
    }

    private FasterPartitionJournal Open()
    {
        var journal = new FasterPartitionJournal(_directory.Path, Small);
        journal.Recover("t", 0, acceptLoss: false, (in EventEnvelope e, long ticks, long address) => { });
        return journal;
    }

    private async Task WriteAsync(int first, int count)
    {
        using var journal = Open();
        Write(journal, first, count);
        await journal.CommitAsync(journal.TailAddress, CancellationToken.None);
    }

    private static List<long> Write(FasterPartitionJournal journal, int first, int count)
    {
        var addresses = new List<long>(count);
        for (var n = first; n < first + count; n++)
        {
            var e = new EventEnvelope($"id-{n}", "t", "k", "type", Encoding.UTF8.GetBytes(new string('x', 100 + (n % 300)))) { Offset = n };
            addresses.Add(journal.Write(e, n));
        }

        return addresses;
    }

    private (List<long> Offsets, JournalRecoveryReport Report) Recover()
    {
        var offsets = new List<long>();
        using var journal = new FasterPartitionJournal(_directory.Path, Small);
        var report = journal.Recover("t", 0, acceptLoss: false, (in EventEnvelope e, long ticks, long address) => offsets.Add(e.Offset));
        return (offsets, report);
    }

    public void Dispose() => _directory.Dispose();
}
