using System.Runtime.InteropServices;

namespace Mirra.Persistence;

/// <summary>
/// Making a finished file survive a crash: fsync the file, rename it over the old one, fsync the
/// directory (the rename itself lives in the directory). The old file stays in place until the
/// rename, so a failure at any step leaves the last good file untouched.
/// </summary>
public static partial class DurableFiles
{
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);
    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    const int O_RDONLY = 0;

    /// <summary>Renames <paramref name="temp"/> over <paramref name="final"/> and makes the rename durable.</summary>
    public static void ReplaceWith(string temp, string final)
    {
        File.Move(temp, final, overwrite: true);
        FsyncDirectoryOf(final);
    }

    /// <summary>fsync of the directory holding <paramref name="path"/> (best effort: some filesystems refuse it).</summary>
    public static void FsyncDirectoryOf(string path)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        int fd = open(dir, O_RDONLY);
        if (fd < 0) return;
        fsync(fd);
        close(fd);
    }

    /// <summary>Redis's strerror wording for the usual I/O failures (log lines and MISCONF replies).</summary>
    public static string Describe(Exception ex) => ex switch
    {
        UnauthorizedAccessException => "Permission denied",
        DirectoryNotFoundException or FileNotFoundException => "No such file or directory",
        IOException io when (io.HResult & 0xffff) == 28 => "No space left on device",
        IOException io when (io.HResult & 0xffff) == 30 => "Read-only file system",
        _ => ex.Message,
    };
}
