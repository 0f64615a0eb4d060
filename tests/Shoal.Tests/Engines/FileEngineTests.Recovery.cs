using System.Buffers.Binary;
using System.Text;
using Shoal.Engine;
using Shoal.Engines.InProcess;
using Xunit;

namespace Shoal.Tests.Engines;

/// <summary>
/// Recovery from damage that is not a torn tail: a missing or damaged commit record, records damaged before valid
/// ones, and a committed offset above what the journal holds. Acknowledged events are never deleted.
/// </summary>
public sealed partial class FileEngineTests
{
    private string PartitionDirectory(string topic, int partition) =>
        Path.Combine(_directory.Path, "topics", topic, partition.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private string CommitsFile(string topic, int partition) => Path.Combine(PartitionDirectory(topic, partition), "commits");

    [Theory]
    [InlineData("emptied")]
    [InlineData("deleted")]
    [InlineData("both slots damaged")]
    public async Task A_missing_emptied_or_damaged_commits_file_loses_no_event(string damage)
    {
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 2 });

            // 300 events of 5 KB in partition 0 fill more than one 1 MiB journal page.
            for (var first = 0; first < 300; first += 50)
            {
                await AppendAsync(engine, "t", 0, 50, first, payloadBytes: 5000);
            }

            await AppendAsync(engine, "t", 1, 40);
        }

        var commits = CommitsFile("t", 0);
        switch (damage)
        {
            case "emptied":
                await File.WriteAllBytesAsync(commits, []);
                break;
            case "deleted":
                File.Delete(commits);
                break;
            default:
                var bytes = await File.ReadAllBytesAsync(commits);
                bytes[20] ^= 0xFF;
                bytes[4096 + 20] ^= 0xFF;
                await File.WriteAllBytesAsync(commits, bytes);
                break;
        }

        await using (var engine = await OpenAsync())
        {
            Assert.Equal(new PartitionOffsets(0, 300), await engine.Log.GetOffsetsAsync("t", 0));
            Assert.Equal(new PartitionOffsets(0, 40), await engine.Log.GetOffsetsAsync("t", 1));
            var read = await ReadAllAsync(engine, "t", 0, 300);
            Assert.Equal(Enumerable.Range(0, 300).Select(n => Payload(0, n, 5000)), read.Select(e => Encoding.UTF8.GetString(e.Payload.Span)));
            var warning = Assert.Single(_logs.Entries, e => e.EventId == 6006);
            Assert.Contains(commits, warning.Message, StringComparison.Ordinal);
            Assert.Contains("partition 0 of topic 't'", warning.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(_logs.Entries, e => e.EventId == 6001);

            var results = new AppendedEvent[1];
            await engine.Log.AppendAsync("t", 0, new[] { Event("t", 0, 300) }, results);
            Assert.Equal(new AppendedEvent(300, false), results[0]);
        }

        // The commit record was written again: the next start finds nothing to repair.
        _logs.Entries.Clear();
        await using (var engine = await OpenAsync())
        {
            Assert.Equal(new PartitionOffsets(0, 301), await engine.Log.GetOffsetsAsync("t", 0));
            Assert.DoesNotContain(_logs.Entries, e => e.EventId is 6001 or 6006 or 6007);
        }
    }

    [Fact]
    public async Task A_damaged_newest_commit_record_loses_no_event_it_covered()
    {
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1 });
            await AppendAsync(engine, "t", 0, 10);
            await AppendAsync(engine, "t", 0, 10, first: 10);
        }

        // Damage the slot holding the newest commit: the older slot covers only the first ten events.
        var commits = CommitsFile("t", 0);
        var bytes = await File.ReadAllBytesAsync(commits);
        var newest = BinaryPrimitives.ReadInt64LittleEndian(bytes) > BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(4096)) ? 0 : 4096;
        bytes[newest + 20] ^= 0xFF;
        await File.WriteAllBytesAsync(commits, bytes);

        await using (var engine = await OpenAsync())
        {
            Assert.Equal(new PartitionOffsets(0, 20), await engine.Log.GetOffsetsAsync("t", 0));
            Assert.Equal("p0-19", Encoding.UTF8.GetString((await ReadAllAsync(engine, "t", 0, 20))[19].Payload.Span));
            Assert.Contains(_logs.Entries, e => e.EventId == 6006 && e.Message.Contains(commits, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("the older slot's commit number raised above the newest")]
    [InlineData("the newest slot's length")]
    public async Task A_commit_record_whose_number_or_length_was_altered_is_damaged_and_loses_no_event(string damage)
    {
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1 });
            await AppendAsync(engine, "t", 0, 10);
            await AppendAsync(engine, "t", 0, 10, first: 10);
        }

        // Read as sound, a higher number on the older slot (it covers ten events) would make it pass for the newest commit.
        var commits = CommitsFile("t", 0);
        var bytes = await File.ReadAllBytesAsync(commits);
        var newest = BinaryPrimitives.ReadInt64LittleEndian(bytes) > BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(4096)) ? 0 : 4096;
        if (damage.StartsWith("the older", StringComparison.Ordinal))
        {
            bytes[4096 - newest + 2] ^= 0x01;
        }
        else
        {
            bytes[newest + 8] ^= 0x01;
        }

        await File.WriteAllBytesAsync(commits, bytes);

        await using (var engine = await OpenAsync())
        {
            Assert.Equal(new PartitionOffsets(0, 20), await engine.Log.GetOffsetsAsync("t", 0));
            Assert.Equal("p0-19", Encoding.UTF8.GetString((await ReadAllAsync(engine, "t", 0, 20))[19].Payload.Span));
            Assert.Contains(_logs.Entries, e => e.EventId == 6006 && e.Message.Contains(commits, StringComparison.Ordinal));
            Assert.DoesNotContain(_logs.Entries, e => e.EventId == 6001);
        }
    }

    [Fact]
    public async Task Commit_records_whose_checksum_covers_only_the_metadata_still_open_and_are_replaced()
    {
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1 });
            await AppendAsync(engine, "t", 0, 10);
            await AppendAsync(engine, "t", 0, 10, first: 10);
        }

        // Rewrite both slots as earlier versions wrote them: i64 number, i32 length, u32 crc32(metadata), metadata.
        var commits = CommitsFile("t", 0);
        var bytes = await File.ReadAllBytesAsync(commits);
        for (var slot = 0; slot < bytes.Length; slot += 4096)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(slot + 8));
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(slot + 8), length);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(slot + 12), System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(slot + 16, length)));
        }

        await File.WriteAllBytesAsync(commits, bytes);

        await using (var engine = await OpenAsync())
        {
            Assert.Equal(new PartitionOffsets(0, 20), await engine.Log.GetOffsetsAsync("t", 0));
            Assert.DoesNotContain(_logs.Entries, e => e.EventId is 6001 or 6006 or 6007);
            await AppendAsync(engine, "t", 0, 1, first: 20);
        }

        bytes = await File.ReadAllBytesAsync(commits);
        Assert.Contains((ushort)2, new[] { BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(10)), BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4096 + 10)) });
        await using (var engine = await OpenAsync())
        {
            Assert.Equal(new PartitionOffsets(0, 21), await engine.Log.GetOffsetsAsync("t", 0));
            Assert.DoesNotContain(_logs.Entries, e => e.EventId is 6001 or 6006 or 6007);
        }
    }

    [Fact]
    public async Task Damage_followed_by_records_that_check_out_is_an_error_and_accept_loss_keeps_what_precedes_it()
    {
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 2 });
            await AppendAsync(engine, "t", 1, 20);
        }

        // Without a commit record nothing tells a torn tail from damage, except the valid records after it.
        File.Delete(CommitsFile("t", 1));
        var segment = Segment0("t", 1);
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[bytes.AsSpan().IndexOf("p1-10"u8) + 3] ^= 0x55;
        await File.WriteAllBytesAsync(segment, bytes);

        var error = await Assert.ThrowsAsync<EngineException>(async () => await OpenAsync());
        Assert.Contains("partition 1 of topic 't' is corrupt", error.Message, StringComparison.Ordinal);
        Assert.Contains(segment, error.Message, StringComparison.Ordinal);
        Assert.Contains("checksum mismatch", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(PartitionDirectory("t", 1), "accept-loss"), error.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(segment));

        // The way out the error names: the ten events before the damage are kept, the rest saved aside.
        await File.WriteAllBytesAsync(Path.Combine(PartitionDirectory("t", 1), "accept-loss"), []);
        await using (var engine = await OpenAsync())
        {
            Assert.Equal(new PartitionOffsets(0, 10), await engine.Log.GetOffsetsAsync("t", 1));
            Assert.Equal("p1-9", Encoding.UTF8.GetString((await ReadAllAsync(engine, "t", 1, 10))[9].Payload.Span));
            var saved = Assert.Single(Directory.GetFiles(PartitionDirectory("t", 1), "unreadable-*"));
            Assert.True((await File.ReadAllBytesAsync(saved)).AsSpan().IndexOf("p1-19"u8) >= 0, "the bytes given up were saved");
            Assert.Contains(_logs.Entries, e => e.EventId == 6007 && e.Message.Contains(saved, StringComparison.Ordinal));
            Assert.False(File.Exists(Path.Combine(PartitionDirectory("t", 1), "accept-loss")), "the consent applies to one start only");
            await AppendAsync(engine, "t", 1, 1, first: 10);
        }

        await using (var engine = await OpenAsync())
        {
            Assert.Equal(new PartitionOffsets(0, 11), await engine.Log.GetOffsetsAsync("t", 1));
        }
    }

    [Fact]
    public async Task Unreadable_bytes_after_the_records_of_a_partition_without_a_valid_commit_record_are_saved_not_deleted()
    {
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1 });
            await AppendAsync(engine, "t", 0, 5);
        }

        await File.WriteAllBytesAsync(CommitsFile("t", 0), []);
        await File.AppendAllTextAsync(Segment0("t", 0), new string('x', 3000));

        await using (var engine = await OpenAsync())
        {
            Assert.Equal(new PartitionOffsets(0, 5), await engine.Log.GetOffsetsAsync("t", 0));
            var saved = Assert.Single(Directory.GetFiles(PartitionDirectory("t", 0), "unreadable-*"));
            Assert.Contains(new string('x', 3000), await File.ReadAllTextAsync(saved), StringComparison.Ordinal);
            Assert.Contains(_logs.Entries, e => e.EventId == 6007 && e.Message.Contains(saved, StringComparison.Ordinal));
            await AppendAsync(engine, "t", 0, 1, first: 5);
        }

        await using (var engine = await OpenAsync())
        {
            Assert.Equal("p0-5", Encoding.UTF8.GetString((await ReadAllAsync(engine, "t", 0, 6))[5].Payload.Span));
        }
    }

    [Fact]
    public async Task A_committed_offset_above_the_recovered_end_refuses_to_open_and_accept_loss_lowers_it()
    {
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 2 });
            await AppendAsync(engine, "t", 0, 20);
            await AppendAsync(engine, "t", 1, 20);
            await engine.Coordination.TryCreateAsync(CoordinationKeys.Offset("t", "billing", 0), new CommittedOffset(15, 3).Encode());
            await engine.Coordination.TryCreateAsync(CoordinationKeys.Offset("t", "billing", 1), new CommittedOffset(20, 3).Encode());
            await engine.Coordination.TryCreateAsync(CoordinationKeys.Offset("t", "audit", 0), new CommittedOffset(0, 1).Encode());
        }

        // Partition 0's journal is gone (moved away): new events would reuse offsets 0 to 14, which billing skips.
        Directory.Move(PartitionDirectory("t", 0), PartitionDirectory("t", 0) + ".moved");

        var error = await Assert.ThrowsAsync<EngineException>(async () => await OpenAsync());
        Assert.Contains("group 'billing'", error.Message, StringComparison.Ordinal);
        Assert.Contains("committed offset 15", error.Message, StringComparison.Ordinal);
        Assert.Contains("partition 0 of topic 't'", error.Message, StringComparison.Ordinal);
        Assert.Contains("end offset 0", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("audit", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(PartitionDirectory("t", 0), "accept-loss"), error.Message, StringComparison.Ordinal);

        await File.WriteAllBytesAsync(Path.Combine(PartitionDirectory("t", 0), "accept-loss"), []);
        await using (var engine = await OpenAsync())
        {
            Assert.True(CommittedOffset.TryDecode((await engine.Coordination.GetAsync(CoordinationKeys.Offset("t", "billing", 0)))!.Value.Value.Span, out var lowered));
            Assert.Equal(new CommittedOffset(0, 3), lowered);
            Assert.True(CommittedOffset.TryDecode((await engine.Coordination.GetAsync(CoordinationKeys.Offset("t", "billing", 1)))!.Value.Value.Span, out var untouched));
            Assert.Equal(new CommittedOffset(20, 3), untouched);
            Assert.Contains(_logs.Entries, e => e.EventId == 6008 && e.Message.Contains("group 'billing'", StringComparison.Ordinal));
            Assert.False(File.Exists(Path.Combine(PartitionDirectory("t", 0), "accept-loss")));

            var results = new AppendedEvent[1];
            await engine.Log.AppendAsync("t", 0, new[] { Event("t", 0, 0) }, results);
            Assert.Equal(new AppendedEvent(0, false), results[0]);
        }
    }

    [Fact]
    public async Task Offsets_a_group_marked_done_above_the_recovered_end_refuse_to_open_and_accept_loss_drops_them()
    {
        // The record says offsets 12 to 17 are done, but the journal ends at 10 (as after losing its tail): new events
        // would take offsets 12 to 17 and be skipped as done.
        await using (var engine = await OpenAsync())
        {
            await engine.Log.CreateTopicAsync(new TopicOptions { Name = "t", Partitions = 1 });
            await AppendAsync(engine, "t", 0, 10);
            var record = new CommittedOffset(5, 2) { Done = [new OffsetRange(7, 9), new OffsetRange(12, 18)] };
            await engine.Coordination.TryCreateAsync(CoordinationKeys.Offset("t", "billing", 0), record.Encode());
        }

        var error = await Assert.ThrowsAsync<EngineException>(async () => await OpenAsync());
        Assert.Contains("group 'billing' has committed offset 5 with offsets done up to 17", error.Message, StringComparison.Ordinal);
        Assert.Contains("end offset 10", error.Message, StringComparison.Ordinal);

        await File.WriteAllBytesAsync(Path.Combine(PartitionDirectory("t", 0), "accept-loss"), []);
        await using (var engine = await OpenAsync())
        {
            Assert.True(CommittedOffset.TryDecode((await engine.Coordination.GetAsync(CoordinationKeys.Offset("t", "billing", 0)))!.Value.Value.Span, out var lowered));
            Assert.Equal(new CommittedOffset(5, 2) { Done = [new OffsetRange(7, 9)] }, lowered);
        }
    }

    [Fact]
    public void A_commit_never_overwrites_the_newest_complete_commit_even_when_commit_numbers_skip()
    {
        var path = Path.Combine(_directory.Path, "commits");
        using (var commits = new SlotCommitManager(path))
        {
            // FasterLog writes only the newest of several commits covered by one flush, so numbers may skip.
            commits.Commit(0, 100, [1], 1, false);
            commits.Commit(0, 200, [2], 2, false);
            commits.Commit(0, 400, [4], 4, false);
        }

        // A crash tears the write of commit 4: the commit before it must still be there.
        var bytes = File.ReadAllBytes(path);
        var torn = BinaryPrimitives.ReadInt64LittleEndian(bytes) == 4 ? 0 : 4096;
        bytes[torn + 16] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        using var reopened = new SlotCommitManager(path);
        Assert.Equal([2L], reopened.ListCommits());
    }
}
