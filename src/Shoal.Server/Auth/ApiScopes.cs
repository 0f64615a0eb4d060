namespace Shoal.Server;

/// <summary>What an API key may do.</summary>
[Flags]
public enum ApiScopes
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>Publish events (<c>POST /v1/topics/{topic}/events</c>).</summary>
    Produce = 1,

    /// <summary>Read topics, groups and the dashboard's data.</summary>
    Read = 2,

    /// <summary>Create topics.</summary>
    Admin = 4,

    /// <summary>Every scope.</summary>
    All = Produce | Read | Admin,
}
