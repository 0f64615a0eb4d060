using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Shoal.Engines.InProcess;

/// <summary>
/// A partition journal's segment files read and repaired directly, as recovery needs them before FasterLog opens them.
/// The layout is FASTER 2.6's FasterLog without per-entry checksums: log address <c>A</c> is byte
/// <c>A mod 2^segmentBits</c> of file <c>log.{A >> segmentBits}</c>; the first address is 64; an entry is an
/// <c>i32</c> length and the entry's bytes, padded to 4 bytes; an entry never crosses a page, and the unused end of
/// a page is zeros, so a zero length inside a page means "continue at the next page".
/// </summary>
internal sealed class JournalSegments : IDisposable
{
    /// <summary>FasterLog's first address (the first 64 bytes of the log are reserved).</summary>
    public const long FirstAddress = 64;

    private const int LengthBytes = 4;
    private const int SectorBytes = 512;

    private readonly string _directory;
    private readonly int _pageBits;
    private readonly int _segmentBits;
    private readonly SortedList<long, string> _files = [];
    private readonly Dictionary<long, SafeFileHandle> _handles = [];
    private byte[]? _page;
    private long _loadedPage = -1;
    private bool _loadedPageExists;
    private readonly long _rangeFrom;
    private readonly long _rangeUntil;

    /// <param name="directory">The journal's directory.</param>
    /// <param name="geometry">The journal's page and segment sizes.</param>
    /// <param name="page">A page buffer to reuse (from <see cref="PageBuffer"/> of an earlier instance), or null.</param>
    /// <param name="from">With <paramref name="until"/>, the only addresses that will be read: pages are read only there.</param>
    /// <param name="until">The address after the last one that will be read.</param>
    public JournalSegments(string directory, JournalGeometry geometry, byte[]? page = null, long from = 0, long until = long.MaxValue)
    {
        _page = page?.Length == 1 << geometry.PageBits ? page : null;
        _rangeFrom = from;
        _rangeUntil = until;
        _directory = directory;
        _pageBits = geometry.PageBits;
        _segmentBits = geometry.SegmentBits;
        foreach (var file in Directory.EnumerateFiles(directory, "log.*"))
        {
            if (long.TryParse(Path.GetExtension(file).AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                _files.Add(number, file);
            }
        }

        End = _files.Count == 0 ? 0 : (_files.Keys[^1] << _segmentBits) + new FileInfo(_files.Values[^1]).Length;
    }

    /// <summary>The address just past the last byte on disk (0 when there is no segment file).</summary>
    public long End { get; }

    private long PageSize => 1L << _pageBits;

    /// <summary>The page buffer, for a later instance to reuse (null until a page was read).</summary>
    public byte[]? PageBuffer => _page;

    /// <summary>The last page <see cref="Load"/> read.</summary>
    private byte[] Page => _page!;

    /// <summary>The file holding <paramref name="address"/>.</summary>
    public string SegmentPath(long address) => Path.Combine(_directory, "log." + (address >> _segmentBits).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// Where a log that begins at <paramref name="begin"/> can be read from: <paramref name="begin"/> when its segment
    /// file exists, else the start of the first later segment file (earlier ones were deleted by truncation).
    /// </summary>
    public long StartAt(long begin)
    {
        var segment = begin >> _segmentBits;
        if (_files.ContainsKey(segment))
        {
            return begin;
        }

        foreach (var number in _files.Keys)
        {
            if (number > segment)
            {
                return number << _segmentBits;
            }
        }

        return begin;
    }

    /// <summary>
    /// Reads the entry at <paramref name="address"/>: <see cref="Entry.Record"/> with its bytes (valid until the next
    /// read) and the address after it; <see cref="Entry.Padding"/> with the next page's address; or
    /// <see cref="Entry.None"/> with the reason no entry is there.
    /// </summary>
    public Entry TryRead(long address, out ReadOnlyMemory<byte> body, out long next, out string problem)
    {
        body = default;
        next = address;
        problem = string.Empty;
        if (address >= End)
        {
            problem = "the journal's files end there";
            return Entry.None;
        }

        if (!Load(address >> _pageBits))
        {
            problem = $"its segment file '{SegmentPath(address)}' is missing";
            return Entry.None;
        }

        var within = (int)(address & (PageSize - 1));
        var length = BinaryPrimitives.ReadInt32LittleEndian(Page.AsSpan(within));
        if (length == 0)
        {
            if (within == PageStart(address))
            {
                problem = "nothing was written there (zeros)";
                return Entry.None;
            }

            next = ((address >> _pageBits) + 1) << _pageBits;
            return Entry.Padding;
        }

        var size = LengthBytes + Align(length);
        if (length < 0 || size > PageSize - within || address + LengthBytes + length > End)
        {
            problem = $"the entry's length ({length} bytes) does not fit {(address + LengthBytes + length > End ? "the journal's files" : "its page")}";
            return Entry.None;
        }

        body = Page.AsMemory(within + LengthBytes, length);
        next = address + size;
        return Entry.Record;
    }

    /// <summary>True when any byte from <paramref name="from"/> to <see cref="End"/> is not zero.</summary>
    public bool AnyNonZero(long from)
    {
        for (var address = from; address < End; address = ((address >> _pageBits) + 1) << _pageBits)
        {
            if (Load(address >> _pageBits) && Page.AsSpan((int)(address & (PageSize - 1))).ContainsAnyExcept((byte)0))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The first address after <paramref name="from"/> (at 4-byte steps, as entries are aligned) holding an entry that
    /// <paramref name="accept"/> takes, or null. Used to tell damage (records follow it) from a torn tail (none do).
    /// </summary>
    public long? FindEntry(long from, int minimumLength, Func<ReadOnlyMemory<byte>, bool> accept)
    {
        for (var address = from; address < End;)
        {
            var pageEnd = ((address >> _pageBits) + 1) << _pageBits;
            if (Load(address >> _pageBits))
            {
                for (var at = address; at + LengthBytes + minimumLength <= Math.Min(pageEnd, End); at += LengthBytes)
                {
                    var within = (int)(at & (PageSize - 1));
                    var length = BinaryPrimitives.ReadInt32LittleEndian(Page.AsSpan(within));
                    if (length >= minimumLength && LengthBytes + (long)length <= PageSize - within && at + LengthBytes + length <= End
                        && accept(Page.AsMemory(within + LengthBytes, length)))
                    {
                        return at;
                    }
                }
            }

            address = pageEnd;
        }

        return null;
    }

    /// <summary>
    /// Copies every byte from <paramref name="from"/> to <see cref="End"/> into a new file <c>unreadable-{from}</c> in
    /// the journal's directory (never overwriting one) and returns its path.
    /// </summary>
    public string SaveFrom(long from)
    {
        var path = Path.Combine(_directory, $"unreadable-{from}");
        for (var n = 1; File.Exists(path); n++)
        {
            path = Path.Combine(_directory, $"unreadable-{from}-{n}");
        }

        using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        foreach (var (number, file) in _files)
        {
            var start = number << _segmentBits;
            var length = new FileInfo(file).Length;
            if (start + length <= from)
            {
                continue;
            }

            using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            input.Position = Math.Max(0, from - start);
            input.CopyTo(output);
        }

        output.Flush(flushToDisk: true);
        return path;
    }

    /// <summary>
    /// Removes everything from <paramref name="address"/> on, so that nothing there can ever be read as data: zeros the
    /// rest of its sector (FasterLog rewrites from the sector's start), cuts its segment file after that sector and
    /// deletes later segment files. Returns the number of bytes removed from the files.
    /// </summary>
    public long CutAt(long address)
    {
        CloseHandles();
        var segment = address >> _segmentBits;
        var within = address & ((1L << _segmentBits) - 1);
        var keep = (within + SectorBytes - 1) / SectorBytes * SectorBytes;
        long removed = 0;
        foreach (var (number, file) in _files)
        {
            if (number < segment)
            {
                continue;
            }

            var info = new FileInfo(file);
            if (number > segment)
            {
                removed += info.Length;
                info.Delete();
                continue;
            }

            if (info.Length <= within)
            {
                continue;
            }

            using var stream = new FileStream(file, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            if (info.Length > keep)
            {
                removed += info.Length - keep;
                stream.SetLength(keep);
            }

            stream.Position = within;
            stream.Write(new byte[(int)(Math.Min(keep, info.Length) - within)]);
            stream.Flush(flushToDisk: true);
        }

        _loadedPage = -1;
        return removed;
    }

    public void Dispose() => CloseHandles();

    private static int Align(int length) => (length + 3) & ~3;

    /// <summary>The offset in its page of a page's first entry (64 in the log's first page).</summary>
    private int PageStart(long address) => address >> _pageBits == 0 ? (int)FirstAddress : 0;

    /// <summary>Reads a page (zeros past the end of its file); false when its segment file does not exist.</summary>
    private bool Load(long page)
    {
        if (page == _loadedPage)
        {
            return _loadedPageExists;
        }

        var address = page << _pageBits;
        var segment = address >> _segmentBits;
        _page ??= GC.AllocateUninitializedArray<byte>(1 << _pageBits);
        _loadedPage = page;
        _loadedPageExists = _files.TryGetValue(segment, out var file);
        if (!_loadedPageExists)
        {
            return false;
        }

        if (!_handles.TryGetValue(segment, out var handle))
        {
            handle = _handles[segment] = File.OpenHandle(file!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }

        var offset = address & ((1L << _segmentBits) - 1);
        var read = (int)Math.Clamp(_rangeFrom - address, 0, Page.Length);
        var want = (int)Math.Clamp(_rangeUntil - address, 0, Page.Length);
        while (read < want)
        {
            var n = RandomAccess.Read(handle, Page.AsSpan(read, want - read), offset + read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        Page.AsSpan(read, want - read).Clear();
        return true;
    }

    private void CloseHandles()
    {
        foreach (var handle in _handles.Values)
        {
            handle.Dispose();
        }

        _handles.Clear();
    }

    /// <summary>What an address holds.</summary>
    public enum Entry
    {
        /// <summary>No entry: nothing written, a length that does not fit, a missing file, or the end of the files.</summary>
        None,

        /// <summary>An entry (a record, not yet checked).</summary>
        Record,

        /// <summary>The zero-filled end of a page: entries continue at the next page.</summary>
        Padding,
    }
}
