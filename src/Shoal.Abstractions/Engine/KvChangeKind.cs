namespace Shoal.Engine;

/// <summary>What happened to a key.</summary>
public enum KvChangeKind
{
    Put,
    Delete,
}
