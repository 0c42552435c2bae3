namespace Mirra.Observability;

/// <summary>The counters behind INFO stats and errorstats. Written on the executor thread only.</summary>
public sealed class ServerStats
{
    public long TotalConnectionsReceived;
    public long TotalCommandsProcessed;
    public long RejectedConnections;
    public long KeyspaceHits;
    public long KeyspaceMisses;
    public long EvictedKeys;
    public long TotalErrorReplies;
    public long UnexpectedErrorReplies;
    public long TotalReadsProcessed;
    public long TotalWritesProcessed;
    public long ClientQueryBufferLimitDisconnections;
    public long ClientOutputBufferLimitDisconnections;
    public long NetInputBytes; // updated with Interlocked by network threads
    public long NetOutputBytes;
    /// <summary>Full syncs served, PSYNCs accepted, PSYNCs refused (INFO sync_full, sync_partial_ok, sync_partial_err).</summary>
    public long SyncFull, SyncPartialOk, SyncPartialErr;
    /// <summary>Replication bytes received from our master (full sync RDB and stream, kept out of NetInputBytes) and sent to replicas (updated with Interlocked).</summary>
    public long NetReplInputBytes, NetReplOutputBytes;

    /// <summary>Errors by their first word ("ERR", "WRONGTYPE"...), in first-seen order like Redis's rax.</summary>
    public readonly SortedDictionary<string, long> ErrorCounts = new(StringComparer.Ordinal);

    public void CountError(string message)
    {
        TotalErrorReplies++;
        int space = message.IndexOf(' ');
        string code = space < 0 ? message : message[..space];
        // Redis keeps at most 128 error codes; past that only the total grows.
        if (ErrorCounts.TryGetValue(code, out long n)) ErrorCounts[code] = n + 1;
        else if (ErrorCounts.Count < 128) ErrorCounts[code] = 1;
    }

    /// <summary>instantaneous_ops_per_sec and friends: samples every 100 ms over the last 16 samples.</summary>
    public readonly InstantMetric OpsPerSec = new();
    public readonly InstantMetric InputKbps = new();
    public readonly InstantMetric OutputKbps = new();
    public readonly InstantMetric InputReplKbps = new();
    public readonly InstantMetric OutputReplKbps = new();

    public void Reset()
    {
        TotalConnectionsReceived = TotalCommandsProcessed = RejectedConnections = 0;
        KeyspaceHits = KeyspaceMisses = EvictedKeys = TotalErrorReplies = UnexpectedErrorReplies = 0;
        TotalReadsProcessed = TotalWritesProcessed = 0;
        ClientQueryBufferLimitDisconnections = ClientOutputBufferLimitDisconnections = 0;
        SyncFull = SyncPartialOk = SyncPartialErr = 0;
        Interlocked.Exchange(ref NetReplInputBytes, 0);
        Interlocked.Exchange(ref NetReplOutputBytes, 0);
        Interlocked.Exchange(ref NetInputBytes, 0);
        Interlocked.Exchange(ref NetOutputBytes, 0);
        ErrorCounts.Clear();
        OpsPerSec.Reset();
        InputKbps.Reset();
        OutputKbps.Reset();
        InputReplKbps.Reset();
        OutputReplKbps.Reset();
    }
}

/// <summary>Redis's trackInstantaneousMetric: the average rate over the last 16 samples.</summary>
public sealed class InstantMetric
{
    readonly double[] _samples = new double[16];
    int _index;
    long _lastValue = -1;
    long _lastTimeMs;

    public void Sample(long value, long nowMs)
    {
        if (_lastValue >= 0 && nowMs > _lastTimeMs)
        {
            _samples[_index] = (value - _lastValue) * 1000.0 / (nowMs - _lastTimeMs);
            _index = (_index + 1) % _samples.Length;
        }
        _lastValue = value;
        _lastTimeMs = nowMs;
    }

    public double Value => _samples.Average();

    public void Reset()
    {
        Array.Clear(_samples);
        _index = 0;
        _lastValue = -1;
    }
}
