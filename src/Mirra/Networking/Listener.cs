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

    /// <summary>Binds like Redis: each address of `bind`; a leading '-' makes an address optional.</summary>
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
            IPAddress ip = address switch
            {
                "*" => IPAddress.Any,
                "::*" => IPAddress.IPv6Any,
                _ => IPAddress.TryParse(address, out var parsed) ? parsed : IPAddress.None,
            };
            if (ip == IPAddress.None)
            {
                if (optional) continue;
                return $"Failed listening on port {port} (tcp), aborting. Invalid bind address '{address}'";
            }
            var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (ip.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
                socket.Bind(new IPEndPoint(ip, port));
                socket.Listen(backlog);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                // Like Redis, an optional address (or IPv6 not available) is skipped.
                if (optional || ex.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable && optional)
                    continue;
                return $"Warning: Could not create server TCP listening socket {address}:{port}: {ex.Message}";
            }
            sockets.Add(socket);
        }
        return null;
    }

    public string? BindUnix(string path)
    {
        if (string.IsNullOrEmpty(path)) return null;
        try
        {
            if (File.Exists(path)) File.Delete(path);
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(511);
            _sockets.Add(socket);
        }
        catch (Exception ex)
        {
            return $"Failed opening Unix socket: {ex.Message}";
        }
        return null;
    }

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
                    if (!connection.Client.Closed) _ = Task.Run(connection.RunAsync);
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
