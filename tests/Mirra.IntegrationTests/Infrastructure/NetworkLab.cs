using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Mirra.IntegrationTests.Infrastructure;

/// <summary>
/// A lab of "hosts" for tests that need a real network between servers (the seed course's labs): each host is a
/// network namespace this lab creates, hosts are joined by veth pairs whose ends are created directly inside the two
/// namespaces and addressed in a private /24 of their own (nothing is added to the root namespace: no interface,
/// address or route). A link is cut and restored with `ip link set ... down/up` and slowed with a `tc ... tbf`
/// qdisc. Servers run inside a host through ServerProcess (`ip netns exec`), tools through <see cref="LabHost.Run"/>;
/// the test process reaches a host's addresses with sockets created inside its namespace (<see cref="LabHost.Connect"/>).
/// <para>
/// Namespaces are named mirra-lab-&lt;pid&gt;-&lt;process start&gt;-&lt;n&gt;-&lt;host&gt;, so parallel test runs never share one,
/// and the first lab of a test process deletes the namespaces of processes that no longer exist (killing what still
/// runs in them). Dispose kills whatever still runs in the lab's namespaces and deletes them, also after a failed
/// test (and labs still alive when the test process exits are disposed then). Needs root and iproute2 (`ip`, `tc`); without them the lab throws with a message saying so.
/// </para>
/// </summary>
public sealed class NetworkLab : IDisposable
{
    const string Prefix = "mirra-lab-";
    static readonly object ReapLock = new();
    static readonly System.Collections.Concurrent.ConcurrentDictionary<NetworkLab, byte> Live = new();
    static bool _reaped;
    static int _labCount;

    readonly string _id;
    readonly List<LabHost> _hosts = new();
    int _links;
    int _disposed;

    /// <summary>The `ip` program (iproute2).</summary>
    public static string Ip => IpLazy.Value;
    /// <summary>The `tc` program (iproute2).</summary>
    public static string Tc => TcLazy.Value;
    static readonly Lazy<string> IpLazy = new(() => LocateSbin("ip"));
    static readonly Lazy<string> TcLazy = new(() => LocateSbin("tc"));

    public IReadOnlyList<LabHost> Hosts => _hosts;

    public NetworkLab()
    {
        RequireSupport();
        ReapLeftovers();
        _id = $"{Prefix}{Environment.ProcessId}-{ProcessStartTicks(Environment.ProcessId)}-{Interlocked.Increment(ref _labCount)}";
        Live[this] = 0;
    }

    static NetworkLab()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var lab in Live.Keys) lab.Dispose();
        };
    }

    /// <summary>Throws with a clear message unless this process can build labs (Linux, root, iproute2 with netns).</summary>
    public static void RequireSupport()
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("The network labs need Linux network namespaces.");
        uint euid = geteuid();
        if (euid != 0)
            throw new InvalidOperationException(
                $"The network labs create network namespaces, veth pairs and tc qdiscs, which needs root; this test process runs as uid {euid}. " +
                "Run the integration tests as root (CI does).");
        var r = ExternalTool.Run(Ip, ["netns", "list"], timeout: TimeSpan.FromSeconds(20));
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"`ip netns` does not work here, so the network labs cannot run:\n{r}");
        _ = Tc;
    }

    static string LocateSbin(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(':').Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]))
        {
            if (dir.Length == 0) continue;
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(
            $"'{name}' was not found. The network labs need iproute2 (`ip` and `tc`): install it with `apt-get install -y iproute2`.", name);
    }

    /// <summary>Adds a host: a new network namespace with its loopback up.</summary>
    public LabHost AddHost(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch)))
            throw new ArgumentException("host names are letters and digits", nameof(name));
        var host = new LabHost(this, name, $"{_id}-{name}");
        IpCommand("netns", "add", host.Namespace);
        _hosts.Add(host); // from here on Dispose deletes it
        IpCommand("-n", host.Namespace, "link", "set", "dev", "lo", "up");
        return host;
    }

    /// <summary>
    /// Joins two hosts with a veth pair created inside <paramref name="a"/> with its peer placed straight into
    /// <paramref name="b"/>, addressed 10.201.&lt;n&gt;.1/24 on a and 10.201.&lt;n&gt;.2/24 on b (n counts this lab's links).
    /// The first link of a host gives its <see cref="LabHost.Address"/>.
    /// </summary>
    public void Connect(LabHost a, LabHost b)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        int n = _links++;
        if (n > 254) throw new InvalidOperationException("too many links");
        string ifA = $"eth{a.Interfaces.Count}", ifB = $"eth{b.Interfaces.Count}";
        string addrA = $"10.201.{n}.1", addrB = $"10.201.{n}.2";
        IpCommand("-n", a.Namespace, "link", "add", ifA, "type", "veth", "peer", "name", ifB, "netns", b.Namespace);
        a.AddInterface(ifA, addrA);
        b.AddInterface(ifB, addrB);
        IpCommand("-n", a.Namespace, "addr", "add", addrA + "/24", "dev", ifA);
        IpCommand("-n", b.Namespace, "addr", "add", addrB + "/24", "dev", ifB);
        IpCommand("-n", a.Namespace, "link", "set", "dev", ifA, "up");
        IpCommand("-n", b.Namespace, "link", "set", "dev", ifB, "up");
    }

    internal static void IpCommand(params string[] args) => Command(Ip, args);

    internal static void TcCommand(params string[] args) => Command(Tc, args);

    static void Command(string program, string[] args)
    {
        var r = ExternalTool.Run(program, args, timeout: TimeSpan.FromSeconds(20));
        if (r.ExitCode != 0) throw new InvalidOperationException($"network lab command failed:\n{r}");
    }

    /// <summary>Kills what still runs in the lab's namespaces and deletes them (best effort, never throws).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Live.TryRemove(this, out _);
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            try { DeleteNamespace(host.Namespace); }
            catch (Exception e) { Console.Error.WriteLine($"[network lab] could not delete namespace {host.Namespace}: {e.Message}"); }
        }
    }

    /// <summary>
    /// SIGKILLs the processes inside a namespace of ours (waiting, bounded, until they are gone), then deletes it;
    /// its veth ends go with it.
    /// </summary>
    static void DeleteNamespace(string ns)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var pids = PidsIn(ns);
            if (pids.Count == 0 || sw.Elapsed > TimeSpan.FromSeconds(10)) break;
            foreach (var pid in pids) kill(pid, 9);
            Thread.Sleep(50);
        }
        var r = ExternalTool.Run(Ip, ["netns", "delete", ns], timeout: TimeSpan.FromSeconds(20));
        if (r.ExitCode != 0 && File.Exists($"/run/netns/{ns}"))
            throw new InvalidOperationException(r.ToString());
    }

    static List<int> PidsIn(string ns)
    {
        var r = ExternalTool.Run(Ip, ["netns", "pids", ns], timeout: TimeSpan.FromSeconds(20));
        var pids = new List<int>();
        if (r.ExitCode != 0) return pids;
        foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid != Environment.ProcessId)
                pids.Add(pid);
        return pids;
    }

    /// <summary>Once per test process (the first lab): <see cref="DeleteLeftovers"/>.</summary>
    static void ReapLeftovers()
    {
        lock (ReapLock)
        {
            if (_reaped) return;
            _reaped = true;
            DeleteLeftovers();
        }
    }

    /// <summary>
    /// Deletes the lab namespaces of test processes that are gone (killed, crashed), with what still runs in them.
    /// A name records its owner's PID and start time, so a reused PID does not keep a leftover alive.
    /// </summary>
    public static void DeleteLeftovers()
    {
        lock (ReapLock)
        {
            var r = ExternalTool.Run(Ip, ["netns", "list"], timeout: TimeSpan.FromSeconds(20));
            foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var ns = line.Split(' ', 2)[0];
                if (!ns.StartsWith(Prefix, StringComparison.Ordinal)) continue;
                var parts = ns[Prefix.Length..].Split('-');
                if (parts.Length < 2 || !int.TryParse(parts[0], out int pid) || !long.TryParse(parts[1], out long start)) continue;
                if (ProcessStartTicks(pid) == start) continue; // its owner still runs
                try { DeleteNamespace(ns); }
                catch (Exception e) { Console.Error.WriteLine($"[network lab] could not delete leftover namespace {ns}: {e.Message}"); }
            }
        }
    }

    /// <summary>A process's start time (field 22 of /proc/pid/stat, clock ticks since boot), or -1 when it does not exist.</summary>
    static long ProcessStartTicks(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return -1; }
        catch (UnauthorizedAccessException) { return -1; }
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[19], CultureInfo.InvariantCulture); // field 22 = index 19 after the name
    }

    internal const int CloneNewNet = 0x40000000;
    internal const int OpenReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC

    [DllImport("libc", SetLastError = true)]
    internal static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    internal static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    [DllImport("libc", SetLastError = true)]
    internal static extern int setns(int fd, int nstype);
}

/// <summary>One host of a <see cref="NetworkLab"/>: a network namespace and its veth ends.</summary>
public sealed class LabHost
{
    readonly NetworkLab _lab;
    readonly List<(string Name, string Address)> _interfaces = new();

    public string Name { get; }
    /// <summary>The network namespace (for `ip netns exec`, `ip -n`, `tc -n`).</summary>
    public string Namespace { get; }
    /// <summary>The host's interfaces (veth ends) with their addresses.</summary>
    public IReadOnlyList<(string Name, string Address)> Interfaces => _interfaces;
    /// <summary>The address of the host's first link.</summary>
    public string Address => _interfaces.Count > 0 ? _interfaces[0].Address
        : throw new InvalidOperationException($"host {Name} is not connected to any other host yet");

    internal LabHost(NetworkLab lab, string name, string ns)
    {
        _lab = lab;
        Name = name;
        Namespace = ns;
    }

    internal void AddInterface(string name, string address) => _interfaces.Add((name, address));

    /// <summary>Like the seed's `rc-service networking stop`: every interface of the host goes down (its TCP connections see nothing more).</summary>
    public void StopNetworking()
    {
        foreach (var (name, _) in _interfaces) NetworkLab.IpCommand("-n", Namespace, "link", "set", "dev", name, "down");
    }

    /// <summary>Like `rc-service networking start`: the interfaces come back up, with their addresses and routes.</summary>
    public void StartNetworking()
    {
        foreach (var (name, _) in _interfaces) NetworkLab.IpCommand("-n", Namespace, "link", "set", "dev", name, "up");
    }

    /// <summary>
    /// Slows what this host sends to <paramref name="rate"/> (tc's syntax, e.g. "32mbit") with a token bucket filter
    /// on each of its interfaces (the seed slowed its master with netem, which this kernel does not have).
    /// </summary>
    public void LimitEgressRate(string rate, string burst = "64kb", string latency = "50ms")
    {
        foreach (var (name, _) in _interfaces)
            NetworkLab.TcCommand("-n", Namespace, "qdisc", "replace", "dev", name, "root", "tbf", "rate", rate, "burst", burst, "latency", latency);
    }

    /// <summary>Removes the rate limit of <see cref="LimitEgressRate"/>.</summary>
    public void RemoveRateLimit()
    {
        foreach (var (name, _) in _interfaces) NetworkLab.TcCommand("-n", Namespace, "qdisc", "del", "dev", name, "root");
    }

    /// <summary>Runs a program inside the host (`ip netns exec`), with the limits of <see cref="ExternalTool.Run"/>.</summary>
    public ToolResult Run(string program, IEnumerable<string> args, byte[]? stdin = null, TimeSpan? timeout = null) =>
        ExternalTool.Run(NetworkLab.Ip, new[] { "netns", "exec", Namespace, ExternalTool.Locate(program) }.Concat(args), stdin, timeout);

    /// <summary>
    /// A TCP socket that lives in this host's namespace. It is created on a short-lived thread that enters the
    /// namespace (setns applies to the calling thread only) and then ends, so no thread of the test process is
    /// left in a lab namespace; the socket keeps its namespace for its whole life.
    /// </summary>
    public Socket CreateSocket()
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                int fd = NetworkLab.open($"/run/netns/{Namespace}", NetworkLab.OpenReadOnlyCloseOnExec);
                if (fd < 0) throw new Win32Exception(Marshal.GetLastPInvokeError(), $"cannot open /run/netns/{Namespace}");
                try
                {
                    if (NetworkLab.setns(fd, NetworkLab.CloneNewNet) != 0)
                        throw new Win32Exception(Marshal.GetLastPInvokeError(), $"setns into {Namespace} failed");
                }
                finally
                {
                    NetworkLab.close(fd);
                }
                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (Exception e)
            {
                error = e;
            }
        }) { IsBackground = true, Name = "netns-socket" };
        thread.Start();
        thread.Join();
        if (error != null) throw new InvalidOperationException($"cannot create a socket in host {Name} ({Namespace}): {error.Message}", error);
        return socket!;
    }

    /// <summary>A RESP connection from inside this host to <paramref name="address"/>:<paramref name="port"/>.</summary>
    public RespClient Connect(string address, int port, TimeSpan? timeout = null) =>
        new(CreateSocket(), address, port, timeout);

    public override string ToString() => $"{Name} ({Namespace}, {string.Join(", ", _interfaces.Select(i => $"{i.Name} {i.Address}"))})";
}
