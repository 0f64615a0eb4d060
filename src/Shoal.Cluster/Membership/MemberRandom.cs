namespace Shoal.Cluster;

/// <summary>A member's randomness: from the runtime's seed and the member id when there is a seed, so a replay gives each member the same sequence.</summary>
internal static class MemberRandom
{
    public static Random Create(int? runtimeSeed, string memberId) =>
        runtimeSeed is { } seed ? new Random(seed ^ StableHash(memberId)) : new Random();

    // string.GetHashCode and HashCode are randomized per process: a seed must give the same member randomness in a
    // replay in another process (FNV-1a over the UTF-16 code units).
    private static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)hash;
    }
}
