namespace Shoal.Engines.InProcess;

/// <summary>
/// One process owns a data directory: it holds <c>DIR/shoal.lock</c> open with <see cref="FileShare.None"/>, which
/// .NET turns into an exclusive <c>flock</c> on Linux and macOS (a sharing lock on Windows). The kernel releases it
/// when the process ends, however it ends, so a crash never leaves the directory locked. The owner's process id is
/// written to <c>DIR/shoal.owner</c>, so a second process can say who holds the directory.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream _lock;

    private DataDirectoryLock(FileStream stream) => _lock = stream;

    public static DataDirectoryLock Acquire(string directory, string uri)
    {
        var lockPath = Path.Combine(directory, "shoal.lock");
        var ownerPath = Path.Combine(directory, "shoal.owner");
        FileStream stream;
        try
        {
            Directory.CreateDirectory(directory);
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (File.Exists(lockPath) && e is not PathTooLongException && e is not DirectoryNotFoundException && IsHeldElsewhere(lockPath))
        {
            var owner = File.Exists(ownerPath) ? File.ReadAllText(ownerPath).Trim() : string.Empty;
            throw new EngineException(
                $"{uri}: the data directory '{directory}' is in use by process {(owner.Length > 0 ? owner : "(unknown id)")} " +
                "(it holds shoal.lock). One process owns a data directory at a time: stop that process or use another directory.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineException($"{uri}: cannot use '{directory}' as a data directory: {e.Message}", e);
        }

        try
        {
            var temporary = ownerPath + ".tmp";
            File.WriteAllText(temporary, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.Move(temporary, ownerPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stream.Dispose();
            throw new EngineException($"{uri}: cannot write to the data directory '{directory}': {e.Message}", e);
        }

        return new DataDirectoryLock(stream);
    }

    public void Dispose() => _lock.Dispose();

    /// <summary>True when the lock file exists but cannot be opened exclusively: another open handle holds it.</summary>
    private static bool IsHeldElsewhere(string lockPath)
    {
        try
        {
            using var probe = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
