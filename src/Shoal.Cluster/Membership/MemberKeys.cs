namespace Shoal.Cluster;

/// <summary>Where member records live in the coordination store.</summary>
public static class MemberKeys
{
    /// <summary>Root of every group's member records: <c>shoal/members/</c>.</summary>
    public const string MembersRoot = "shoal/members/";

    /// <summary>Every member record of a group: <c>shoal/members/{group}/</c>.</summary>
    public static string GroupPrefix(string group) => $"{MembersRoot}{group}/";

    /// <summary>One member's record: <c>shoal/members/{group}/{memberId}</c>.</summary>
    public static string Member(string group, string memberId) => $"{MembersRoot}{group}/{memberId}";
}
