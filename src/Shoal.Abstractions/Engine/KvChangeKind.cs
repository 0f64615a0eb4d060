namespace Shoal.Engine;

/// <summary>What happened to a key.</summary>
public enum KvChangeKind
{
    /// <summary>The key was written (created or updated).</summary>
    Put,
    /// <summary>The key was deleted.</summary>
    Delete,
}
