namespace Mirra.Persistence;

/// <summary>
/// Making a finished file survive a crash: fsync the file, rename it over the old one, fsync the
/// directory (the rename itself lives in the directory). The old file stays in place until the
/// rename, so a failure at any step leaves the last good file untouched.
/// </summary>
public static class DurableFiles
{
    /// <summary>Renames <paramref name="temp"/> over <paramref name="final"/> and makes the rename durable (best effort for the directory).</summary>
    public static void ReplaceWith(string temp, string final)
    {
        File.Move(temp, final, overwrite: true);
        NativeFile.SyncDirectoryOf(final);
    }
}
