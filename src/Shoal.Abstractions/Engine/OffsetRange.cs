namespace Shoal.Engine;

/// <summary>Offsets <c>[Start, End)</c> of one partition.</summary>
public readonly record struct OffsetRange(long Start, long End)
{
    /// <summary>How many offsets the range holds.</summary>
    public long Length => End - Start;
}
