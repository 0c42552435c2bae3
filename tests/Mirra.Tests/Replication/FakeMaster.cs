using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mirra.Engine;
using Mirra.Observability;
using Mirra.Persistence;
using Mirra.Persistence.Rdb;
using Mirra.Tests.Support;

namespace Mirra.Tests.Replication;

/// <summary>
/// The master end of a replication link, played by the test over a loopback socket: it reads what the
/// replica sends (commands as string arrays) and sends exactly the bytes the test chooses, so handshake
/// replies, keep-alives, transfer framing and the command stream can be cut anywhere.
/// </summary>
sealed class FakeMaster : IDisposable
{
    public const int TimeoutMs = 10_000;
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    Socket? _peer;
    readonly byte[] _buf = new byte[64 * 1024];
    int _start, _end;

    public int Port { get; }
    public string PortText => Port.ToString();

    public FakeMaster()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
    }

    readonly bool _ownsListener = true;

    FakeMaster(TcpListener listener, int port)
    {
        _listener = listener;
        _ownsListener = false;
        Port = port;
    }

    /// <summary>Takes the replica's next connection as another peer, keeping this one (a dual-channel RDB connection).</summary>
    public FakeMaster AcceptAnother()
    {
        var other = new FakeMaster(_listener, Port);
        other.Accept();
        return other;
    }

    /// <summary>Waits for the replica's next connection (the previous one, if any, is dropped).</summary>
    public void Accept()
    {
        var accept = _listener.AcceptSocketAsync();
        if (!accept.Wait(TimeoutMs)) throw new TimeoutException("the replica did not connect");
        Drop();
        _peer = accept.Result;
        _peer.ReceiveTimeout = TimeoutMs;
        _peer.NoDelay = true;
        _start = _end = 0;
    }

    /// <summary>The next command from the replica: a RESP array, or an inline line (SYNC); newlines alone are skipped.</summary>
    public string[] ReadCommand()
    {
        string line;
        do line = ReadLine(); while (line.Length == 0);
        if (line[0] != '*') return line.Split(' ');
        int n = int.Parse(line[1..]);
        var args = new string[n];
        for (int i = 0; i < n; i++)
        {
            string header = ReadLine();
            Assert.StartsWith("$", header);
            int len = int.Parse(header[1..]);
            args[i] = Encoding.Latin1.GetString(Take(len + 2), 0, len);
        }
        return args;
    }

    string ReadLine()
    {
        while (true)
        {
            int nl = Array.IndexOf(_buf, (byte)'\n', _start, _end - _start);
            if (nl >= 0)
            {
                int end = nl > _start && _buf[nl - 1] == '\r' ? nl - 1 : nl;
                string s = Encoding.Latin1.GetString(_buf, _start, end - _start);
                _start = nl + 1;
                return s;
            }
            Fill();
        }
    }

    byte[] Take(int n)
    {
        while (_end - _start < n) Fill();
        var r = _buf.AsSpan(_start, n).ToArray();
        _start += n;
        return r;
    }

    void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        int got = _peer!.Receive(_buf, _end, _buf.Length - _end, SocketFlags.None);
        if (got == 0) throw new IOException("the replica closed the connection");
        _end += got;
    }

    /// <summary>True when the replica closed its end (within the timeout).</summary>
    public bool ClosedByReplica()
    {
        try
        {
            while (true) { Fill(); _start = _end; }
        }
        catch (IOException) { return true; }
        catch (SocketException) { return true; }
    }

    public void Send(string text) => Send(Encoding.Latin1.GetBytes(text));
    public void Send(byte[] bytes) => _peer!.Send(bytes);

    /// <summary>The standard handshake of a replica with default settings: PING, REPLCONF listening-port and capa, then PSYNC (returned).</summary>
    public string[] Handshake(string listeningPort = "6379")
    {
        Assert.Equal(["PING"], ReadCommand());
        Send("+PONG\r\n");
        Assert.Equal(["REPLCONF", "listening-port", listeningPort], ReadCommand());
        Assert.Equal(["REPLCONF", "capa", "eof", "capa", "psync2"], ReadCommand());
        Send("+OK\r\n+OK\r\n");
        return ReadCommand();
    }

    public void Drop()
    {
        if (_peer == null) return;
        try { _peer.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        _peer.Dispose();
        _peer = null;
    }

    public void Dispose()
    {
        Drop();
        if (_ownsListener) _listener.Stop();
    }

    /// <summary>A command as the master's stream carries it.</summary>
    public static string Cmd(params string[] args)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(args.Length).Append("\r\n");
        foreach (var a in args) sb.Append('$').Append(Encoding.Latin1.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        return sb.ToString();
    }

    /// <summary>An RDB of the keys the given commands create on a scratch server.</summary>
    public static byte[] Rdb(params string[][] commands)
    {
        var source = new TestServer();
        foreach (var c in commands) Assert.DoesNotContain("-ERR", source.Run(c));
        var ms = new MemoryStream();
        Snapshot.WriteAll(source.Server.Keyspace, new RdbWriter(ms),
            new SnapshotInfo(source.Server.Clock.NowMs() / 1000, 0, 0, "f5a55cfa0278415328e303617106dd7d533732db", 1000, false));
        return ms.ToArray();
    }
}

/// <summary>
/// A replica with a running executor (so its link to the <see cref="FakeMaster"/> makes progress): commands and
/// checks run on the executor, its log goes to a file the test can read.
/// </summary>
sealed class LiveReplica : IDisposable
{
    public TestServer T { get; }
    public Server Server => T.Server;
    readonly string _logPath;

    public LiveReplica(params string[] config)
    {
        T = new TestServer(config);
        _logPath = Path.Combine(T.Server.Config.Dir, "replica.log");
        T.Server.Log.SetFile(_logPath);
        T.Server.Log.Level = LogLevel.Notice;
        T.Server.Executor.Start();
    }

    public string Run(params string[] args) => Server.Executor.Invoke(() => T.Run(args));
    public string Run(Client client, params string[] args) => Server.Executor.Invoke(() => T.Run(client, args));
    public T2 Get<T2>(Func<T2> read) => Server.Executor.Invoke(read);

    public string Log => File.ReadAllText(_logPath);

    /// <summary>Polls (on the executor) until <paramref name="condition"/> holds, 10 s at most.</summary>
    public void WaitUntil(Func<bool> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!Get(condition))
        {
            if (sw.ElapsedMilliseconds > FakeMaster.TimeoutMs) throw new TimeoutException($"{what}\n--- replica log ---\n{Log}");
            Thread.Sleep(2);
        }
    }

    /// <summary>Polls <paramref name="condition"/> from the test thread: for states seen while the executor is busy (loading).</summary>
    public void WaitWhileBusy(Func<bool> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.ElapsedMilliseconds > FakeMaster.TimeoutMs) throw new TimeoutException(what);
            Thread.Sleep(2);
        }
    }

    public string Info(string field)
    {
        string info = Run("INFO", "replication");
        foreach (var line in info.Split("\r\n"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal)) return line[(field.Length + 1)..];
        throw new InvalidOperationException($"no field {field} in {info}");
    }

    public void Dispose()
    {
        try { Run("REPLICAOF", "NO", "ONE"); } catch (Exception) { }
        Server.Executor.Stop();
    }
}
