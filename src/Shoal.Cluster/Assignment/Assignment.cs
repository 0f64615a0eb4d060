using System.Collections.ObjectModel;
using System.Text;

namespace Shoal.Cluster;

/// <summary>
/// An immutable map from partition to owning member id, with the inverse (member → its partitions, ascending).
/// Two assignments are equal when they give every partition the same owner; unowned partitions, including any
/// past <see cref="PartitionCount"/>, compare as unowned.
/// </summary>
public sealed class Assignment : IEquatable<Assignment>
{
    private static readonly IReadOnlyList<int> NoPartitions = [];

    private readonly string?[] _owners;
    private readonly SortedDictionary<string, ReadOnlyCollection<int>> _byMember;

    private Assignment(string?[] owners)
    {
        _owners = owners;
        _byMember = new SortedDictionary<string, ReadOnlyCollection<int>>(StringComparer.Ordinal);
        var lists = new SortedDictionary<string, List<int>>(StringComparer.Ordinal);
        for (var p = 0; p < owners.Length; p++)
        {
            var owner = owners[p];
            if (owner is null)
            {
                continue;
            }

            if (!lists.TryGetValue(owner, out var list))
            {
                list = [];
                lists.Add(owner, list);
            }

            list.Add(p);
        }

        foreach (var (member, list) in lists)
        {
            _byMember.Add(member, list.AsReadOnly());
        }

        Owners = Array.AsReadOnly(owners);
        Members = _byMember.Keys.ToList().AsReadOnly();
    }

    /// <summary>No partition has an owner.</summary>
    public static Assignment Empty { get; } = new([]);

    /// <summary>
    /// An assignment from an owner per partition (index = partition; <see langword="null"/> = unowned), as read
    /// back from lease records. Owner ids must not be empty.
    /// </summary>
    public static Assignment FromOwners(IReadOnlyList<string?> owners)
    {
        ArgumentNullException.ThrowIfNull(owners);
        var copy = new string?[owners.Count];
        for (var p = 0; p < copy.Length; p++)
        {
            if (owners[p] is { Length: 0 })
            {
                throw new ShoalConfigurationException("owners", $"partition {p} has an empty owner id.");
            }

            copy[p] = owners[p];
        }

        return new Assignment(copy);
    }

    internal static Assignment FromOwnersUnchecked(string?[] owners) => new(owners);

    /// <summary>How many partitions this assignment covers (partitions 0 … PartitionCount − 1).</summary>
    public int PartitionCount => _owners.Length;

    /// <summary>Owner per partition (index = partition; <see langword="null"/> = unowned).</summary>
    public IReadOnlyList<string?> Owners { get; }

    /// <summary>Members owning at least one partition, sorted by id (ordinal).</summary>
    public IReadOnlyList<string> Members { get; }

    /// <summary>The owner of <paramref name="partition"/>, or <see langword="null"/> if it has none.</summary>
    public string? OwnerOf(int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        return partition < _owners.Length ? _owners[partition] : null;
    }

    /// <summary>The partitions <paramref name="memberId"/> owns, ascending; empty if none.</summary>
    public IReadOnlyList<int> PartitionsOf(string memberId)
    {
        ArgumentNullException.ThrowIfNull(memberId);
        return _byMember.TryGetValue(memberId, out var partitions) ? partitions : NoPartitions;
    }

    /// <summary>
    /// How many partitions owned in both assignments have a different owner in <paramref name="other"/>: the
    /// partitions a cooperative rebalance has to hand over. Partitions unowned on either side are not counted.
    /// </summary>
    public int Moves(Assignment other) => MovedPartitions(other).Count;

    /// <summary>The partitions counted by <see cref="Moves"/>, ascending.</summary>
    public IReadOnlyList<int> MovedPartitions(Assignment other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var moved = new List<int>();
        var shared = Math.Min(_owners.Length, other._owners.Length);
        for (var p = 0; p < shared; p++)
        {
            if (_owners[p] is { } mine && other._owners[p] is { } theirs && !string.Equals(mine, theirs, StringComparison.Ordinal))
            {
                moved.Add(p);
            }
        }

        return moved;
    }

    /// <inheritdoc/>
    public bool Equals(Assignment? other)
    {
        if (other is null)
        {
            return false;
        }

        var length = Math.Max(_owners.Length, other._owners.Length);
        for (var p = 0; p < length; p++)
        {
            var mine = p < _owners.Length ? _owners[p] : null;
            var theirs = p < other._owners.Length ? other._owners[p] : null;
            if (!string.Equals(mine, theirs, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Assignment);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        for (var p = 0; p < _owners.Length; p++)
        {
            if (_owners[p] is { } owner)
            {
                hash.Add(p);
                hash.Add(owner, StringComparer.Ordinal);
            }
        }

        return hash.ToHashCode();
    }

    /// <summary>One line per member: <c>id: 0,3,6</c>; members sorted by id.</summary>
    public override string ToString()
    {
        if (_byMember.Count == 0)
        {
            return "(no owners)";
        }

        var text = new StringBuilder();
        foreach (var (member, partitions) in _byMember)
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(member).Append(": ").AppendJoin(',', partitions);
        }

        return text.ToString();
    }

    /// <summary>True when both are null or give every member the same partitions.</summary>
    public static bool operator ==(Assignment? left, Assignment? right) => left is null ? right is null : left.Equals(right);

    /// <summary>True unless both are null or give every member the same partitions.</summary>
    public static bool operator !=(Assignment? left, Assignment? right) => !(left == right);
}
