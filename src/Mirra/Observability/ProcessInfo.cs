using System.Globalization;
using System.Runtime.InteropServices;

namespace Mirra.Observability;

/// <summary>
/// What the operating system knows about this process: resident memory, CPU time of the process and
/// of the calling thread, total RAM, uname. Linux sources (/proc, getrusage) with portable fallbacks.
/// </summary>
public static class ProcessInfo
{
    [StructLayout(LayoutKind.Sequential)]
    struct TimeVal { public long Seconds; public long Micros; }

    [StructLayout(LayoutKind.Sequential)]
    struct RUsage
    {
        public TimeVal User;
        public TimeVal System;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    static extern int GetRUsage(int who, out RUsage usage);

    const int RusageSelf = 0, RusageChildren = -1, RusageThread = 1;

    /// <summary>CPU seconds (system, user) of the process, its waited-for children, or the calling thread.</summary>
    public static (double System, double User) CpuTimes(CpuScope scope)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                int who = scope switch { CpuScope.Children => RusageChildren, CpuScope.CurrentThread => RusageThread, _ => RusageSelf };
                if (GetRUsage(who, out var u) == 0)
                    return (u.System.Seconds + u.System.Micros / 1e6, u.User.Seconds + u.User.Micros / 1e6);
            }
            catch (DllNotFoundException) { }
            catch (EntryPointNotFoundException) { }
        }
        if (scope == CpuScope.Children) return (0, 0);
        using var p = System.Diagnostics.Process.GetCurrentProcess();
        return (p.PrivilegedProcessorTime.TotalSeconds, p.UserProcessorTime.TotalSeconds);
    }

    /// <summary>Resident set size in bytes (/proc/self/statm, else the runtime's working set).</summary>
    public static long ResidentBytes()
    {
        try
        {
            var text = File.ReadAllText("/proc/self/statm");
            var parts = text.Split(' ');
            if (parts.Length > 1 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long pages))
                return pages * Environment.SystemPageSize;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return Environment.WorkingSet;
    }

    static long _totalSystemMemory = -1;

    /// <summary>Physical memory of the machine in bytes (MemTotal of /proc/meminfo).</summary>
    public static long TotalSystemMemory()
    {
        if (_totalSystemMemory >= 0) return _totalSystemMemory;
        long total = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
                var digits = line.AsSpan(9).Trim();
                int space = digits.IndexOf(' ');
                if (space > 0) digits = digits[..space];
                if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long kb)) total = kb * 1024;
                break;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        if (total == 0) total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return _totalSystemMemory = total;
    }

    static string? _os;

    /// <summary>"Linux 6.1.0-18-amd64 x86_64": kernel name, release and machine, like uname -srm.</summary>
    public static string OperatingSystemName()
    {
        if (_os != null) return _os;
        string name = OperatingSystem.IsLinux() ? "Linux" : OperatingSystem.IsMacOS() ? "Darwin" : OperatingSystem.IsWindows() ? "Windows" : "Unknown";
        string release = Environment.OSVersion.Version.ToString();
        try
        {
            if (File.Exists("/proc/sys/kernel/osrelease")) release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        string machine = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "x86_64",
            Architecture.Arm64 => "aarch64",
            Architecture.X86 => "i686",
            Architecture.Arm => "armv7l",
            var other => other.ToString().ToLowerInvariant(),
        };
        return _os = $"{name} {release} {machine}";
    }
}

public enum CpuScope { Process, Children, CurrentThread }
