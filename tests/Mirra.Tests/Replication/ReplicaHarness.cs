using System.Text;
using Mirra.Engine;
using Mirra.Observability;
using Mirra.Replication;
using Mirra.Tests.Commands;
using Mirra.Tests.Support;

namespace Mirra.Tests.Replication;

/// <summary>What a replica's socket received (everything is taken at once unless <see cref="Stalled"/>).</summary>
sealed class RecordingChannel : IReplicaChannel
{
    readonly MemoryStream _received = new();
    readonly object _gate = new();
    /// <summary>A replica that stopped reading: nothing is taken.</summary>
    public volatile bool Stalled;

    public int TrySend(ReadOnlySpan<byte> bytes)
    {
        if (Stalled) return 0;
        lock (_gate) _received.Write(bytes);
        return bytes.Length;
    }

    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> bytes)
    {
        if (Stalled) return new ValueTask<int>(new TaskCompletionSource<int>().Task); // never completes
        return new ValueTask<int>(TrySend(bytes.Span));
    }

    public void WaitWritable(int microseconds) => Thread.Sleep(1);

    public byte[] Bytes
    {
        get { lock (_gate) return _received.ToArray(); }
    }

    /// <summary>What arrived since the last call, as Latin-1 text.</summary>
    public string Take()
    {
        lock (_gate)
        {
            var text = Encoding.Latin1.GetString(_received.ToArray());
            _received.SetLength(0);
            return text;
        }
    }
}

/// <summary>A <see cref="TestServer"/> whose replicas write to <see cref="RecordingChannel"/>s, with its log captured.</summary>
sealed class ReplicaHarness
{
    public TestServer Ts { get; }
    readonly string _logPath = Path.Combine(Path.GetTempPath(), $"mirra-repl-{Guid.NewGuid():N}.log");
    readonly Dictionary<Client, RecordingChannel> _channels = new();

    public ReplicaHarness(TestServer ts)
    {
        Ts = ts;
        ts.Server.Log.Level = LogLevel.Notice;
        ts.Server.Log.SetFile(_logPath);
        ts.Server.Master.ChannelFor = c => _channels.GetValueOrDefault(c);
    }

    public Server Server => Ts.Server;
    public MasterReplication Master => Ts.Server.Master;

    /// <summary>A connected client at 127.0.0.1 (a would-be replica), its socket recorded.</summary>
    public Client Replica(int listeningPort, bool announce = true)
    {
        var c = FakeTransport.Connect(Ts, $"127.0.0.1:{40000 + listeningPort % 1000}", fd: 10 + _channels.Count);
        _channels[c] = new RecordingChannel();
        if (announce) Assert.Equal("+OK\r\n", Ts.Run(c, "REPLCONF", "listening-port", listeningPort.ToString()));
        return c;
    }

    public RecordingChannel Channel(Client c) => _channels[c];

    public string Run(Client c, params string[] args) => Ts.Run(c, args);
    public string Run(params string[] args) => Ts.Run(args);

    /// <summary>End of an executor round: replicas get their bytes.</summary>
    public void Flush() => Master.SendToReplicas();

    /// <summary>One replication cron tick after moving the clock.</summary>
    public void Cron(long advanceMs = 1000)
    {
        Ts.AdvanceTime(advanceMs);
        Master.RunCron();
    }

    /// <summary>A replica attached through a partial resync at the current end of the stream (online at once).</summary>
    public Client OnlineReplica(int listeningPort)
    {
        if (Master.Backlog == null)
        {
            // The first replica creates the backlog (and a new replication id); it waits for its snapshot forever.
            var first = Replica(listeningPort + 1000);
            Run(first, "REPLCONF", "capa", "eof");
            Run(first, "PSYNC", "?", "-1");
        }
        var c = Replica(listeningPort);
        Run(c, "REPLCONF", "capa", "eof", "capa", "psync2");
        Assert.Equal("", Run(c, "PSYNC", Server.Replication.ReplId, (Server.Replication.Offset + 1).ToString()));
        Assert.StartsWith("+CONTINUE ", Channel(c).Take());
        return c;
    }

    public string Log
    {
        get
        {
            Ts.Server.Log.SetFile("");
            var text = File.Exists(_logPath) ? File.ReadAllText(_logPath) : "";
            Ts.Server.Log.SetFile(_logPath);
            return text;
        }
    }

    /// <summary>The messages of the log (after the level mark), in order.</summary>
    public List<string> LogMessages() => Log.Split('\n').Where(l => l.Length > 0).Select(l =>
    {
        // "pid:R dd Mon yyyy HH:MM:SS.mmm L message"
        var parts = l.Split(' ', 7);
        return parts.Length == 7 ? parts[6] : l;
    }).ToList();

    /// <summary>The value of one INFO field.</summary>
    public string Info(string field)
    {
        var text = Ts.Run("INFO", "everything");
        foreach (var line in text.Split("\r\n"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal)) return line[(field.Length + 1)..];
        throw new Xunit.Sdk.XunitException($"no INFO field {field}");
    }

    public bool HasInfo(string field) => Ts.Run("INFO", "everything").Contains("\r\n" + field + ":", StringComparison.Ordinal);
}
