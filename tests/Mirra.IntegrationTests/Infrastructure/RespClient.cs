using System.Net.Sockets;
using System.Text;

namespace Mirra.IntegrationTests.Infrastructure;

/// <summary>
/// A small synchronous RESP client for tests. Every read is bounded by <see cref="Timeout"/> so a hung
/// server fails the test with a <see cref="TimeoutException"/> instead of hanging the run. After a
/// timeout the connection is out of step (a late reply may still arrive), so the client refuses further use.
/// Replies are returned exactly as received: an error reply is a <see cref="RespValue"/> of type Error,
/// not an exception, so tests can assert on it.
/// </summary>
public sealed class RespClient : IDisposable
{
    readonly TcpClient? _tcp;
    readonly Socket _socket;
    readonly RespReader _reader;
    TimeSpan _timeout;
    string? _poisoned;

    public string Host { get; }
    public int Port { get; }

    public RespClient(string host, int port, TimeSpan? timeout = null)
    {
        Host = host;
        Port = port;
        var tcp = new TcpClient { NoDelay = true };
        var connectTimeout = timeout ?? TimeSpan.FromSeconds(10);
        try
        {
            if (!tcp.ConnectAsync(host, port).Wait(connectTimeout))
                throw new TimeoutException($"connect to {host}:{port} timed out after {connectTimeout.TotalSeconds:0.#} s");
        }
        catch (AggregateException e) when (e.InnerException is SocketException se)
        {
            tcp.Dispose();
            throw new IOException($"cannot connect to {host}:{port}: {se.Message}", se);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
        _tcp = tcp;
        _socket = tcp.Client;
        Timeout = timeout ?? TimeSpan.FromSeconds(10);
        _reader = new RespReader(Receive);
    }

    /// <summary>
    /// Connects <paramref name="socket"/>, a TCP socket the caller created (one made inside a network namespace
    /// reaches that namespace's addresses), to <paramref name="host"/> (an IP address) and owns it from then on.
    /// </summary>
    public RespClient(Socket socket, string host, int port, TimeSpan? timeout = null)
    {
        Host = host;
        Port = port;
        var connectTimeout = timeout ?? TimeSpan.FromSeconds(10);
        try
        {
            socket.NoDelay = true;
            if (!socket.ConnectAsync(System.Net.IPAddress.Parse(host), port).Wait(connectTimeout))
                throw new TimeoutException($"connect to {host}:{port} timed out after {connectTimeout.TotalSeconds:0.#} s");
        }
        catch (AggregateException e) when (e.InnerException is SocketException se)
        {
            socket.Dispose();
            throw new IOException($"cannot connect to {host}:{port}: {se.Message}", se);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _socket = socket;
        Timeout = timeout ?? TimeSpan.FromSeconds(10);
        _reader = new RespReader(Receive);
    }

    public RespClient(int port, TimeSpan? timeout = null) : this("127.0.0.1", port, timeout) { }

    /// <summary>Connects and, for protocol 3, switches with HELLO 3 (throws if the server refuses).</summary>
    public static RespClient Connect(int port, int protocol = 2, TimeSpan? timeout = null, string host = "127.0.0.1")
    {
        var c = new RespClient(host, port, timeout);
        if (protocol != 2)
        {
            var r = c.Call("HELLO", protocol.ToString());
            if (r.IsError)
            {
                c.Dispose();
                throw new InvalidOperationException($"HELLO {protocol} failed: {r}");
            }
        }
        return c;
    }

    /// <summary>Receive (and send) timeout. Default 10 s.</summary>
    public TimeSpan Timeout
    {
        get => _timeout;
        set
        {
            _timeout = value;
            int ms = value == System.Threading.Timeout.InfiniteTimeSpan ? 0 : Math.Max(1, (int)value.TotalMilliseconds);
            _socket.ReceiveTimeout = ms;
            _socket.SendTimeout = ms;
        }
    }

    /// <summary>Sends one command and reads its reply.</summary>
    public RespValue Call(params string[] args)
    {
        Send(args);
        return ReadReply();
    }

    /// <summary>Sends one command with binary arguments and reads its reply.</summary>
    public RespValue Call(params byte[][] args)
    {
        Send(args);
        return ReadReply();
    }

    /// <summary>Sends one command without reading the reply (for pipelining; read with ReadReply).</summary>
    public void Send(params string[] args) => SendRaw(Encode(args));

    public void Send(params byte[][] args) => SendRaw(Encode(args));

    /// <summary>Writes bytes as they are (inline commands, malformed frames, partial frames...).</summary>
    public void SendRaw(byte[] data)
    {
        CheckUsable();
        try
        {
            int sent = 0;
            while (sent < data.Length) sent += _socket.Send(data, sent, data.Length - sent, SocketFlags.None);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            _poisoned = "a send timed out";
            throw new TimeoutException($"send to {Host}:{Port} timed out after {Timeout.TotalSeconds:0.###} s", e);
        }
    }

    public void SendRaw(string data) => SendRaw(Encoding.UTF8.GetBytes(data));

    /// <summary>Reads the next reply (or push message). Throws TimeoutException after <see cref="Timeout"/>,
    /// EndOfStreamException if the server closed the connection.</summary>
    public RespValue ReadReply()
    {
        CheckUsable();
        return _reader.Read();
    }

    /// <summary>Reads a reply if one starts arriving within <paramref name="wait"/>; null otherwise
    /// (for asserting that nothing, e.g. no further pub/sub message, arrives).</summary>
    public RespValue? TryReadReply(TimeSpan wait)
    {
        CheckUsable();
        if (_reader.Buffered > 0) return _reader.Read();
        if (!_socket.Poll((int)Math.Min(int.MaxValue, wait.TotalMicroseconds), SelectMode.SelectRead)) return null;
        return _reader.Read();
    }

    /// <summary>True when the server has closed the connection (reads EOF without consuming data).</summary>
    public bool IsClosedByServer(TimeSpan wait)
    {
        if (_reader.Buffered > 0) return false;
        if (!_socket.Poll((int)Math.Min(int.MaxValue, wait.TotalMicroseconds), SelectMode.SelectRead)) return false;
        try { return _socket.Available == 0 && _socket.Receive(new byte[1], SocketFlags.Peek) == 0; }
        catch (SocketException) { return true; }
    }

    int Receive(byte[] buffer, int offset, int count)
    {
        try
        {
            return _socket.Receive(buffer, offset, count, SocketFlags.None);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            _poisoned = "a read timed out";
            throw new TimeoutException(
                $"no reply from {Host}:{Port} within {Timeout.TotalSeconds:0.###} s (RespClient.Timeout)", e);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset)
        {
            throw new EndOfStreamException($"connection reset by {Host}:{Port}", e);
        }
    }

    void CheckUsable()
    {
        if (_poisoned != null)
            throw new InvalidOperationException($"RespClient to {Host}:{Port} is unusable: {_poisoned} earlier, replies would be out of step");
    }

    /// <summary>Encodes a command as a RESP array of bulk strings (for pipelines and --pipe streams).</summary>
    public static byte[] Encode(params string[] args) => Encode(args.Select(a => Encoding.UTF8.GetBytes(a)).ToArray());

    public static byte[] Encode(params byte[][] args)
    {
        using var ms = new MemoryStream();
        AppendCommand(ms, args);
        return ms.ToArray();
    }

    /// <summary>Appends one command, RESP-encoded, to a stream.</summary>
    public static void AppendCommand(Stream s, params byte[][] args)
    {
        WriteAscii(s, $"*{args.Length}\r\n");
        foreach (var a in args)
        {
            WriteAscii(s, $"${a.Length}\r\n");
            s.Write(a);
            s.Write("\r\n"u8);
        }
    }

    public static void AppendCommand(Stream s, params string[] args) =>
        AppendCommand(s, args.Select(a => Encoding.UTF8.GetBytes(a)).ToArray());

    static void WriteAscii(Stream s, string text) => s.Write(Encoding.ASCII.GetBytes(text));

    public override string ToString() => $"RespClient({Host}:{Port})";

    public void Dispose()
    {
        if (_tcp != null) _tcp.Dispose();
        else _socket.Dispose();
    }
}
