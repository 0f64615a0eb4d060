namespace Shoal.Tests;

/// <summary>The repository's root (the directory holding <c>Shoal.sln</c>), found upwards from the test binaries.</summary>
internal static class RepositoryRoot
{
    /// <summary>The root, or null when the tests run outside a checkout.</summary>
    public static string? TryFind()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Shoal.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName;
    }

    /// <summary>The root; throws when the tests run outside a checkout.</summary>
    public static string Find() => TryFind() ?? throw new InvalidOperationException("Shoal.sln not found above " + AppContext.BaseDirectory);
}
