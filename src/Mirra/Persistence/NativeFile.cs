using System.Runtime.InteropServices;

namespace Mirra.Persistence;

/// <summary>
/// The few POSIX file calls the AOF needs with Redis's exact semantics: open with O_APPEND, write(2)
/// retried on short writes, fdatasync, ftruncate, fsync of a directory, and strerror texts for the
/// log and the MISCONF error. Every call returns -1 and sets <see cref="LastErrno"/> on failure.
/// </summary>
internal static unsafe class NativeFile
{
    public const int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0x40, O_TRUNC = 0x200, O_APPEND = 0x400, O_CLOEXEC = 0x80000;
    public const int EINTR = 4, EIO = 5, EBADF = 9, EEXIST = 17, ENOTDIR = 20, EINVAL = 22, ENOSPC = 28;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    static extern int sys_open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);
    [DllImport("libc", EntryPoint = "write", SetLastError = true)] static extern nint sys_write(int fd, byte* buf, nint count);
    [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)] static extern int sys_fdatasync(int fd);
    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)] static extern int sys_fsync(int fd);
    [DllImport("libc", EntryPoint = "close", SetLastError = true)] static extern int sys_close(int fd);
    [DllImport("libc", EntryPoint = "ftruncate", SetLastError = true)] static extern int sys_ftruncate(int fd, long length);
    [DllImport("libc", EntryPoint = "lseek", SetLastError = true)] static extern long sys_lseek(int fd, long offset, int whence);
    [DllImport("libc", EntryPoint = "strerror")] static extern nint sys_strerror(int errnum);
    [DllImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    static extern int sys_mkdir([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);

    [ThreadStatic] static int _lastErrno;

    /// <summary>errno of the last failed call on this thread.</summary>
    public static int LastErrno => _lastErrno;

    static int Fail()
    {
        _lastErrno = Marshal.GetLastPInvokeError();
        return -1;
    }

    public static int Open(string path, int flags, int mode = 0x1a4 /* 0644 */)
    {
        int fd = sys_open(path, flags | O_CLOEXEC, mode);
        return fd >= 0 ? fd : Fail();
    }

    /// <summary>Redis's aofWrite: writes everything, retrying short writes and EINTR; returns the bytes written, or -1 when nothing was.</summary>
    public static long Write(int fd, ReadOnlySpan<byte> data)
    {
        long total = 0;
        fixed (byte* p = data)
        {
            while (total < data.Length)
            {
                nint n = sys_write(fd, p + total, (nint)(data.Length - total));
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR) continue;
                    _lastErrno = errno;
                    return total > 0 ? total : -1;
                }
                total += n;
            }
        }
        return total;
    }

    /// <summary>redis_fsync on Linux: fdatasync.</summary>
    public static int DataSync(int fd) => sys_fdatasync(fd) == 0 ? 0 : Fail();

    public static int Sync(int fd) => sys_fsync(fd) == 0 ? 0 : Fail();

    public static int Close(int fd) => sys_close(fd) == 0 ? 0 : Fail();

    public static int Truncate(int fd, long length) => sys_ftruncate(fd, length) == 0 ? 0 : Fail();

    /// <summary>The end of the file (its size), or -1.</summary>
    public static long SeekEnd(int fd)
    {
        long r = sys_lseek(fd, 0, 2 /* SEEK_END */);
        return r >= 0 ? r : Fail();
    }

    /// <summary>Redis's fsyncFileDir: makes a rename or a new file in the directory of <paramref name="path"/> durable.</summary>
    public static int SyncDirectoryOf(string path)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } d ? d : ".";
        int fd = sys_open(dir, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0) return Fail();
        int r = sys_fsync(fd);
        int err = r == 0 ? 0 : Marshal.GetLastPInvokeError();
        sys_close(fd);
        // Like Redis, a file system that cannot sync directories is not an error.
        if (r != 0 && err != EBADF && err != EINVAL) { _lastErrno = err; return -1; }
        return 0;
    }

    /// <summary>Redis's dirCreateIfMissing: mkdir 0755; an existing directory is fine, an existing file is ENOTDIR.</summary>
    public static int CreateDirIfMissing(string path)
    {
        if (sys_mkdir(path, 0x1ed /* 0755 */) == 0) return 0;
        int errno = Marshal.GetLastPInvokeError();
        if (errno != EEXIST) { _lastErrno = errno; return -1; }
        if (Directory.Exists(path)) return 0;
        _lastErrno = ENOTDIR;
        return -1;
    }

    /// <summary>The C library's text for an errno ("No space left on device").</summary>
    public static string StrError(int errno) => Marshal.PtrToStringAnsi(sys_strerror(errno)) ?? $"errno {errno}";
}
