using System.Net;
using System.Net.Sockets;
using Mirra.Engine;

namespace Mirra.Networking;

/// <summary>Accepts connections on every bind address (and the unix socket) and starts their read loops.</summary>
public sealed class Listener : IDisposable
{
    readonly Server _server;
    readonly List<Socket> _sockets = new();
    bool _started;

    public Listener(Server server) => _server = server;

    /// <summary>
    /// Binds like Redis 7.0 (at start, and through <see cref="RebindTcp"/>): one socket per `bind` address ("*" any IPv4, "::*" any IPv6, an address
    /// with ':' is IPv6, a name is resolved); IPv6 sockets are IPv6-only so "127.0.0.1 ::1" can share the
    /// port. Each failure logs Redis's warning; a leading '-' makes an address that is not available
    /// optional, and an unsupported address family is skipped. Returns the fatal error or null.
    /// </summary>
    public string? BindTcp(IReadOnlyList<string> addresses, int port, int backlog)
    {
        var bound = new List<Socket>();
        string? error = BindTcpInto(bound, addresses, port, backlog);
        if (error != null) { foreach (var s in bound) s.Dispose(); return error; }
        _sockets.AddRange(bound);
        return null;
    }

    /// <summary>
    /// CONFIG SET port/bind: binds the new TCP addresses first and only then closes the old ones,
    /// so a failure leaves the server listening where it was (as Redis does).
    /// </summary>
    public string? RebindTcp(IReadOnlyList<string> addresses, int port, int backlog)
    {
        var bound = new List<Socket>();
        string? error = BindTcpInto(bound, addresses, port, backlog);
        if (error != null) { foreach (var s in bound) s.Dispose(); return error; }
        foreach (var old in _sockets.Where(s => s.AddressFamily != AddressFamily.Unix).ToList())
        {
            _sockets.Remove(old);
            old.Dispose();
        }
        _sockets.AddRange(bound);
        if (_started) foreach (var socket in bound) _ = AcceptLoop(socket);
        return null;
    }

    string? BindTcpInto(List<Socket> sockets, IReadOnlyList<string> addresses, int port, int backlog)
    {
        if (port == 0) return null;
        foreach (var raw in addresses)
        {
            bool optional = raw.StartsWith('-');
            string address = optional ? raw[1..] : raw;
            bool v6 = address.Contains(':');
            var family = v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
            IPAddress? ip = address switch
            {
                "*" => IPAddress.Any,
                "::*" => IPAddress.IPv6Any,
                _ => IPAddress.TryParse(address, out var parsed) && parsed.AddressFamily == family ? parsed : Resolve(address, family),
            };
            if (ip == null)
            {
                _server.Log.Warning($"Warning: Could not create server TCP listening socket {address}:{port}: Name or service not known");
                return FailedTcp(port);
            }
            Socket socket;
            try
            {
                socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (SocketException ex)
            {
                _server.Log.Warning($"Warning: Could not create server TCP listening socket {address}:{port}: socket: {ex.Message}");
                continue; // address family not supported on this host: skipped, like Redis
            }
            try
            {
                SetReuseAddress(socket);
                if (v6) socket.DualMode = false;
                socket.Bind(new IPEndPoint(ip, port));
                socket.Listen(backlog);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                _server.Log.Warning($"Warning: Could not create server TCP listening socket {address}:{port}: bind: {ex.Message}");
                if (ex.SocketErrorCode == SocketError.AddressNotAvailable && optional) continue;
                if (ex.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.ProtocolNotSupported
                    or SocketError.ProtocolFamilyNotSupported or SocketError.SocketNotSupported or SocketError.ProtocolOption)
                    continue;
                return FailedTcp(port);
            }
            sockets.Add(socket);
        }
        return null;
    }

    /// <summary>
    /// SO_REUSEADDR only, as Redis sets it. .NET's ReuseAddress option also sets SO_REUSEPORT on Linux,
    /// which would let a second server bind the same port silently instead of failing with "Address already in use".
    /// </summary>
    static void SetReuseAddress(Socket socket)
    {
        if (OperatingSystem.IsLinux())
            socket.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
        else
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
    }

    /// <summary>Redis's fatal bind error (the sockets bound so far are closed by the caller).</summary>
    static string FailedTcp(int port) => $"Failed listening on port {port} (TCP), aborting.";

    static IPAddress? Resolve(string host, AddressFamily family)
    {
        try
        {
            return Array.Find(Dns.GetHostAddresses(host, family), a => a.AddressFamily == family);
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>
    /// Listens on the unix socket (removing a stale file first) and applies `unixsocketperm` (octal, 0 = leave
    /// the umask's). Returns Redis's error text or null.
    /// </summary>
    public string? BindUnix(string path, int permissions = 0, int backlog = 511)
    {
        if (string.IsNullOrEmpty(path)) return null;
        try { File.Delete(path); } catch (Exception) { /* like Redis: don't care */ }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            if (permissions != 0 && !OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)permissions);
            socket.Listen(backlog);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            return $"Failed opening Unix socket: bind: {ex.Message}";
        }
        catch (Exception ex)
        {
            socket.Dispose();
            return $"Failed opening Unix socket: {ex.Message}";
        }
        _sockets.Add(socket);
        return null;
    }

    /// <summary>True when at least one socket listens (Redis exits when configured to listen nowhere).</summary>
    public bool ListensAnywhere => _sockets.Count > 0;

    public int BoundPort => _sockets.Select(s => s.LocalEndPoint).OfType<IPEndPoint>().Select(e => e.Port).FirstOrDefault();

    public void Start()
    {
        _started = true;
        foreach (var socket in _sockets) _ = AcceptLoop(socket);
    }

    async Task AcceptLoop(Socket listening)
    {
        while (true)
        {
            Socket accepted;
            try { accepted = await listening.AcceptAsync().ConfigureAwait(false); }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }
            try
            {
                ApplyKeepalive(accepted);
                var connection = new Connection(_server, accepted, new Client());
                _server.Executor.Post(() =>
                {
                    _server.Clients.Register(connection);
                    if (connection.Client.Closed) return;
                    if (_server.Network is { } loop) loop.Add(connection);
                    else _ = Task.Run(connection.RunAsync);
                });
            }
            catch (Exception ex)
            {
                _server.Log.Verbose($"Error accepting a client connection: {ex.Message}");
                accepted.Dispose();
            }
        }
    }

    void ApplyKeepalive(Socket socket)
    {
        int interval = _server.Config.TcpKeepAlive;
        if (interval <= 0 || socket.AddressFamily == AddressFamily.Unix) return;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, interval);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Math.Max(1, interval / 3));
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
    }

    public void Dispose()
    {
        foreach (var s in _sockets) s.Dispose();
        _sockets.Clear();
    }
}
