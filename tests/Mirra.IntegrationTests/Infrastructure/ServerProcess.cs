using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Mirra.IntegrationTests.Infrastructure;

/// <summary>Which server binary a <see cref="ServerProcess"/> runs.</summary>
public enum ServerKind
{
    /// <summary>Mirra, through the launcher &lt;repo&gt;/bin/mirra-server (or $MIRRA_SERVER).</summary>
    Mirra,
    /// <summary>Debian's real redis-server from PATH.</summary>
    Redis,
}

/// <summary>
/// One server process owned by one test: its own free port on 127.0.0.1, its own temp dir (also its
/// --dir and working directory) holding server.log (stdout+stderr) and server.conf (if config text was
/// given). Start returns once the process owns a listening socket on the port and answers PING.
/// Dispose stops it by PID (SIGTERM, 5 s grace, then SIGKILL) and deletes the dir; a process-exit hook
/// kills whatever a crashed test run left, so no server outlives the test host.
/// Set MIRRA_KEEP_TEST_DIRS=1 to keep the dirs (and logs) for inspection.
/// <para>
/// Started on a <see cref="Infrastructure.LabHost"/> (a network namespace of a <see cref="NetworkLab"/>), the server runs
/// through `ip netns exec` (which execs, so the PID is still the server's: readiness checks that this PID owns the
/// listening socket), listens on the seed's port 6379 at the host's address with protected mode off (its peers are
/// other hosts), and <see cref="Connect"/> reaches it from inside that namespace.
/// </para>
/// </summary>
public sealed class ServerProcess : IDisposable
{
    public const string Host = "127.0.0.1";
    /// <summary>The port of a server on a lab host (each host has its own port space).</summary>
    public const int LabPort = 6379;

    static readonly ConcurrentDictionary<ServerProcess, byte> Live = new();
    static readonly SemaphoreSlim MirraColdStartGate = new(1, 1);
    static volatile bool _mirraWarm;
    static readonly Lazy<string> RepoRootLazy = new(FindRepoRoot);

    readonly object _logLock = new();
    readonly StringBuilder _log = new();
    readonly StreamWriter _logFile;
    Process? _process;
    bool _disposed;

    public ServerKind Kind { get; }
    /// <summary>Program started (the launcher for Mirra; it execs, so its PID is the server's).</summary>
    public string Executable { get; }
    public int Port { get; private set; }
    /// <summary>The lab host the server runs on, or null (the test host's loopback).</summary>
    public LabHost? LabHost { get; }
    /// <summary>The address the server is bound to and reached at: <see cref="Host"/>, or its lab host's address.</summary>
    public string Address { get; }
    public int Pid { get; private set; }
    /// <summary>Per-server temp dir: --dir, working directory, log and config file.</summary>
    public string Dir { get; }
    public string LogPath { get; }
    /// <summary>Path of the config file passed as first argument, or null.</summary>
    public string? ConfigPath { get; }
    /// <summary>Extra arguments given after the harness's --port/--bind/--dir.</summary>
    public IReadOnlyList<string> Args { get; private set; }

    /// <summary>The repository root (the folder holding Mirra.slnx).</summary>
    public static string RepoRoot => RepoRootLazy.Value;

    const string OwnerFile = "harness.owner";

    static ServerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllLive();
        try { ReapOrphans(); } catch (Exception) { /* best effort */ }
    }

    /// <summary>
    /// A test host killed outright (SIGKILL, a crash) cannot stop its servers. Each server dir names its
    /// owner (the test host PID) in harness.owner; servers run with their dir as working directory. On
    /// first use, dirs whose owner is gone are cleaned: processes whose cwd is such a dir are killed and
    /// the dir deleted (kept when MIRRA_KEEP_TEST_DIRS=1); owner-less dirs older than 5 minutes are deleted.
    /// </summary>
    static void ReapOrphans()
    {
        if (!OperatingSystem.IsLinux()) return;
        var stale = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), "mirra-it-*"))
        {
            var owner = Path.Combine(dir, OwnerFile);
            if (!File.Exists(owner))
            {
                // Killed between creating the dir and writing the owner file: nothing runs there.
                if (Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow.AddMinutes(-5))
                    try { Directory.Delete(dir, recursive: true); } catch (Exception) { }
                continue;
            }
            if (int.TryParse(File.ReadAllText(owner).Trim(), out var ownerPid) && Directory.Exists($"/proc/{ownerPid}"))
                continue;
            stale.Add(Path.GetFullPath(dir).TrimEnd('/'));
        }
        if (stale.Count == 0) return;
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out var pid)) continue;
            string? cwd;
            try { cwd = new DirectoryInfo(Path.Combine(proc, "cwd")).LinkTarget; }
            catch (Exception) { continue; }
            if (cwd != null && stale.Contains(cwd.TrimEnd('/'))) SysKill(pid, 9);
        }
        if (Environment.GetEnvironmentVariable("MIRRA_KEEP_TEST_DIRS") == "1") return;
        foreach (var dir in stale)
        {
            try { Directory.Delete(dir, recursive: true); } catch (Exception) { }
        }
    }

    ServerProcess(ServerKind kind, string executable, IReadOnlyList<string> args, string? config, LabHost? labHost)
    {
        Kind = kind;
        Executable = executable;
        Args = args;
        LabHost = labHost;
        Address = labHost?.Address ?? Host;
        var prefix = kind == ServerKind.Mirra ? "mirra-it-mirra-" : "mirra-it-redis-";
        Dir = Directory.CreateTempSubdirectory(prefix).FullName;
        LogPath = Path.Combine(Dir, "server.log");
        _logFile = new StreamWriter(new FileStream(LogPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite))
        {
            AutoFlush = true,
        };
        File.WriteAllText(Path.Combine(Dir, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (config != null)
        {
            ConfigPath = Path.Combine(Dir, "server.conf");
            File.WriteAllText(ConfigPath, config);
        }
    }

    /// <summary>Starts a Redis server with extra redis-server arguments (e.g. "--save", "", "--appendonly", "yes").</summary>
    public static ServerProcess StartRedis(params string[] args) => Start(ServerKind.Redis, args);

    /// <summary>Starts Mirra through bin/mirra-server with extra redis-server-style arguments.</summary>
    public static ServerProcess StartMirra(params string[] args) => Start(ServerKind.Mirra, args);

    /// <summary>
    /// Starts Debian's real redis-sentinel with <paramref name="config"/> ("sentinel monitor ..." lines) as its
    /// config file, which the sentinel rewrites as it learns. It logs to stdout, so <see cref="WaitForLog"/> and
    /// <see cref="LogText"/> see its events (+sdown, +switch-master...). Kill/Stop/Dispose act on its PID.
    /// </summary>
    public static ServerProcess StartSentinel(string config) =>
        Start(ServerKind.Redis, config: config, executable: "redis-sentinel");

    /// <summary>
    /// Starts a server. <paramref name="args"/> come after the harness's own "--port P --bind 127.0.0.1 --dir D"
    /// (so they may override bind/dir, but must not set --port). <paramref name="config"/> is written to
    /// Dir/server.conf and passed as the first argument. <paramref name="startTimeout"/> defaults to 10 s for
    /// Redis, 30 s for Mirra (120 s for the first Mirra start of the run, which may build the Release binaries).
    /// <paramref name="executable"/> replaces the default program (e.g. "redis-sentinel", or a test launcher).
    /// <paramref name="labHost"/> runs it on that host of a network lab (port <see cref="LabPort"/>, see the class summary).
    /// </summary>
    public static ServerProcess Start(ServerKind kind, IEnumerable<string>? args = null, string? config = null,
        TimeSpan? startTimeout = null, string? executable = null, LabHost? labHost = null)
    {
        var exe = executable != null ? ExternalTool.Locate(executable) : DefaultExecutable(kind);
        var argList = (args ?? []).ToList();
        if (argList.Any(a => a.Equals("--port", StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException("the harness chooses the port; don't pass --port (read ServerProcess.Port)");

        // Serialize Mirra starts until one succeeded: the first may build the Release binaries, and two
        // concurrent builds of the same tree would trip over each other.
        bool defaultMirra = kind == ServerKind.Mirra && executable == null;
        bool gated = defaultMirra && !_mirraWarm;
        if (gated) MirraColdStartGate.Wait();
        try
        {
            var timeout = startTimeout ?? (kind == ServerKind.Redis ? TimeSpan.FromSeconds(10)
                : _mirraWarm ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(120));
            var server = new ServerProcess(kind, exe, argList, config, labHost);
            try
            {
                server.StartOnFreePort(timeout);
            }
            catch
            {
                server.Dispose();
                throw;
            }
            if (defaultMirra) _mirraWarm = true;
            return server;
        }
        finally
        {
            if (gated) MirraColdStartGate.Release();
        }
    }

    static string DefaultExecutable(ServerKind kind)
    {
        if (kind == ServerKind.Redis) return ExternalTool.Locate("redis-server");
        var overridePath = Environment.GetEnvironmentVariable("MIRRA_SERVER");
        if (!string.IsNullOrEmpty(overridePath)) return ExternalTool.Locate(overridePath);
        var launcher = Path.Combine(RepoRoot, "bin", "mirra-server");
        if (!File.Exists(launcher))
            throw new FileNotFoundException(
                $"Mirra launcher not found at {launcher} (set MIRRA_SERVER to use another program).", launcher);
        return launcher;
    }

    void StartOnFreePort(TimeSpan timeout)
    {
        if (LabHost != null)
        {
            Port = LabPort;
            try
            {
                Launch();
                WaitReady(timeout);
                return;
            }
            catch (PortInUseException)
            {
                throw new InvalidOperationException($"port {Port} is taken on lab host {LabHost}.\n{Tail(LogText())}");
            }
        }
        const int attempts = 6;
        for (int attempt = 1; ; attempt++)
        {
            Port = PortAllocator.Next();
            try
            {
                Launch();
                WaitReady(timeout);
                return;
            }
            catch (PortInUseException)
            {
                if (attempt >= attempts)
                    throw new InvalidOperationException(
                        $"{Kind} server could not bind a free port in {attempts} attempts.\n--- {LogPath} ---\n{Tail(LogText())}");
                AppendLog($"[harness] port {Port} was taken; retrying on another port");
            }
        }
    }

    void Launch()
    {
        var psi = new ProcessStartInfo(LabHost != null ? NetworkLab.Ip : Executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Dir,
        };
        if (LabHost != null)
            foreach (var a in new[] { "netns", "exec", LabHost.Namespace, Executable }) psi.ArgumentList.Add(a);
        if (ConfigPath != null) psi.ArgumentList.Add(ConfigPath);
        foreach (var a in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", Address, "--dir", Dir })
            psi.ArgumentList.Add(a);
        if (LabHost != null)
            foreach (var a in new[] { "--protected-mode", "no" }) psi.ArgumentList.Add(a);
        foreach (var a in Args) psi.ArgumentList.Add(a);
        SanitizeEnvironment(psi);

        AppendLog($"[harness] {DateTime.Now:HH:mm:ss.fff} starting {psi.FileName} {string.Join(' ', psi.ArgumentList.Select(QuoteArg))}");
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        p.OutputDataReceived += (_, e) => { if (e.Data != null) AppendLog(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) AppendLog(e.Data); };
        if (!p.Start()) throw new InvalidOperationException($"could not start {Executable}");
        _process = p;
        Pid = p.Id;
        Live[this] = 0;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
    }

    /// <summary>
    /// The test host runs under `dotnet test`, which sets MSBuildExtensionsPath, MSBuildSDKsPath, VSTEST_* and
    /// friends; they would mislead a nested `dotnet build` done by the Mirra launcher, so the server gets
    /// a clean environment. The nested build must also leave no daemons behind (MSBuild nodes, the MSBuild
    /// server, the Roslyn compiler server), since nothing a test starts may outlive it.
    /// </summary>
    static void SanitizeEnvironment(ProcessStartInfo psi)
    {
        foreach (var key in psi.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("_MSBUILD", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase)
                || key.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase))
                psi.Environment.Remove(key);
        }
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        psi.Environment["UseSharedCompilation"] = "false";
    }

    void WaitReady(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        string lastProblem = "no listening socket yet";
        while (true)
        {
            var p = _process!;
            if (p.HasExited)
            {
                p.WaitForExit(); // drain the output
                var log = LogText();
                Live.TryRemove(this, out _);
                if (log.Contains("in use", StringComparison.OrdinalIgnoreCase))
                    throw new PortInUseException();
                throw new InvalidOperationException(
                    $"{Kind} server ({Executable}) exited with code {p.ExitCode} before becoming ready on port {Port}.\n" +
                    $"--- {LogPath} ---\n{Tail(log)}");
            }

            if (OwnsListeningSocket(Pid, Port))
            {
                try
                {
                    using var c = OpenClient(TimeSpan.FromSeconds(2));
                    var r = c.Call("PING");
                    var text = r.Text ?? "";
                    if ((r.Type == RespType.SimpleString && text == "PONG")
                        || (r.IsError && text.StartsWith("NOAUTH", StringComparison.Ordinal)))
                        return;
                    lastProblem = $"PING answered {r}";
                }
                catch (Exception e) when (e is IOException or TimeoutException or SocketException or RespProtocolException)
                {
                    lastProblem = $"PING failed: {e.Message}";
                }
            }

            if (sw.Elapsed > timeout)
            {
                KillNow();
                throw new TimeoutException(
                    $"{Kind} server ({Executable}) not ready on port {Port} after {timeout.TotalSeconds:0.#} s ({lastProblem}); killed.\n" +
                    $"--- {LogPath} ---\n{Tail(LogText())}");
            }
            Thread.Sleep(30);
        }
    }

    /// <summary>
    /// True when process <paramref name="pid"/> holds a LISTEN socket on <paramref name="port"/>: proves the
    /// PONG comes from our process and not from another one that grabbed the port first.
    /// </summary>
    static bool OwnsListeningSocket(int pid, int port)
    {
        if (!OperatingSystem.IsLinux()) return true;
        var inodes = new HashSet<string>();
        var hexPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var table in new[] { "tcp", "tcp6" })
        {
            string[] lines;
            try { lines = File.ReadAllLines($"/proc/{pid}/net/{table}"); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { return true; }
            foreach (var line in lines.Skip(1))
            {
                var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (cols.Length > 9 && cols[3] == "0A" && cols[1].EndsWith(hexPort, StringComparison.Ordinal))
                    inodes.Add(cols[9]);
            }
        }
        if (inodes.Count == 0) return false;
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                string? target;
                try { target = new FileInfo(fd).LinkTarget; }
                catch (IOException) { continue; }
                if (target != null && target.StartsWith("socket:[", StringComparison.Ordinal)
                    && inodes.Contains(target[8..^1]))
                    return true;
            }
        }
        catch (DirectoryNotFoundException) { return false; }
        catch (UnauthorizedAccessException) { return true; }
        return false;
    }

    /// <summary>A new connection to this server (HELLO 3 first when protocol is 3); from inside its lab host if it has one.</summary>
    public RespClient Connect(int protocol = 2, TimeSpan? timeout = null)
    {
        if (LabHost == null) return RespClient.Connect(Port, protocol, timeout, Host);
        var c = OpenClient(timeout);
        if (protocol != 2)
        {
            var r = c.Call("HELLO", protocol.ToString(CultureInfo.InvariantCulture));
            if (r.IsError)
            {
                c.Dispose();
                throw new InvalidOperationException($"HELLO {protocol} failed: {r}");
            }
        }
        return c;
    }

    RespClient OpenClient(TimeSpan? timeout) =>
        LabHost != null ? LabHost.Connect(Address, Port, timeout) : new RespClient(Host, Port, timeout);

    /// <summary>One command on a fresh connection (handy for setup/asserts; use Connect for sessions).</summary>
    public RespValue Call(params string[] args)
    {
        using var c = Connect();
        return c.Call(args);
    }

    /// <summary>Everything the server printed (stdout and stderr, plus [harness] lines) so far.</summary>
    public string LogText()
    {
        lock (_logLock) return _log.ToString();
    }

    /// <summary>Waits until the log contains <paramref name="text"/> (default 10 s); throws with the log tail otherwise.</summary>
    public void WaitForLog(string text, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var sw = Stopwatch.StartNew();
        while (!LogText().Contains(text, StringComparison.Ordinal))
        {
            if (sw.Elapsed > limit)
                throw new TimeoutException($"'{text}' did not appear in the {Kind} log within {limit.TotalSeconds:0.#} s.\n" +
                                           $"--- {LogPath} ---\n{Tail(LogText())}");
            Thread.Sleep(20);
        }
    }

    public bool HasExited => _process == null || _process.HasExited;

    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>Graceful stop: SIGTERM, wait up to <paramref name="grace"/> (default 5 s), then SIGKILL.
    /// Returns the exit code (128+signal when it died from a signal, e.g. 137 after SIGKILL).</summary>
    public int Stop(TimeSpan? grace = null)
    {
        var p = _process;
        if (p == null) return -1;
        if (!p.HasExited)
        {
            SysKill(p.Id, Sigterm);
            if (!p.WaitForExit(grace ?? TimeSpan.FromSeconds(5)))
            {
                AppendLog($"[harness] {DateTime.Now:HH:mm:ss.fff} no exit within the grace period after SIGTERM; sending SIGKILL");
                KillNow();
            }
        }
        p.WaitForExit();
        Live.TryRemove(this, out _);
        return p.ExitCode;
    }

    /// <summary>SIGKILL right now (crash simulation). The dir is kept until Dispose.</summary>
    public void Kill()
    {
        KillNow();
        Live.TryRemove(this, out _);
    }

    void KillNow()
    {
        var p = _process;
        if (p == null) return;
        try
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
        p.WaitForExit(10_000);
    }

    /// <summary>Stops (if running) and starts again on the same port, dir and config; new PID.
    /// <paramref name="args"/> replaces the extra arguments when given.</summary>
    public void Restart(IEnumerable<string>? args = null, TimeSpan? startTimeout = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Stop();
        if (args != null) Args = args.ToList();
        Launch();
        try
        {
            WaitReady(startTimeout ?? (Kind == ServerKind.Redis ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(30)));
        }
        catch (PortInUseException)
        {
            throw new InvalidOperationException($"restart failed: port {Port} was taken by another process meanwhile.\n{Tail(LogText())}");
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            Stop();
        }
        finally
        {
            Live.TryRemove(this, out _);
            _process?.Dispose();
            lock (_logLock) _logFile.Dispose();
            if (Environment.GetEnvironmentVariable("MIRRA_KEEP_TEST_DIRS") != "1")
            {
                for (int i = 0; i < 3; i++)
                {
                    try { Directory.Delete(Dir, recursive: true); break; }
                    catch (DirectoryNotFoundException) { break; }
                    catch (IOException) { Thread.Sleep(100); }
                    catch (UnauthorizedAccessException) { Thread.Sleep(100); }
                }
            }
        }
    }

    public override string ToString() =>
        $"{Kind} server pid {Pid} on {Address}:{Port}{(LabHost != null ? $" in {LabHost.Namespace}" : "")} (dir {Dir})";

    void AppendLog(string line)
    {
        lock (_logLock)
        {
            _log.Append(line).Append('\n');
            try { _logFile.WriteLine(line); } catch (ObjectDisposedException) { }
        }
    }

    static void KillAllLive()
    {
        foreach (var s in Live.Keys)
        {
            try { s._process?.Kill(entireProcessTree: true); } catch { /* best effort at exit */ }
        }
    }

    static string Tail(string log, int max = 6000) => log.Length <= max ? log : "...\n" + log[^max..];

    static string QuoteArg(string a) => a.Length == 0 ? "\"\"" : a.Contains(' ') ? $"\"{a}\"" : a;

    static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Mirra.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException($"Mirra.slnx not found above {AppContext.BaseDirectory}");
    }

    const int Sigterm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int SysKill(int pid, int sig);

    sealed class PortInUseException : Exception;
}

/// <summary>Free TCP ports on 127.0.0.1: bind port 0, read the port, release it. Ports handed out recently
/// in this test run are not handed out again, so parallel tests don't collide with each other.</summary>
public static class PortAllocator
{
    static readonly object Lock = new();
    static readonly Queue<int> RecentOrder = new();
    static readonly HashSet<int> Recent = new();

    public static int Next()
    {
        lock (Lock)
        {
            for (int i = 0; i < 100; i++)
            {
                var l = new TcpListener(IPAddress.Loopback, 0);
                l.Start();
                int port = ((IPEndPoint)l.LocalEndpoint).Port;
                l.Stop();
                if (!Recent.Add(port)) continue;
                RecentOrder.Enqueue(port);
                if (RecentOrder.Count > 512) Recent.Remove(RecentOrder.Dequeue());
                return port;
            }
            throw new InvalidOperationException("could not find a free port");
        }
    }
}
