using System.Globalization;
using System.Text;
using Mirra.Engine;
using Mirra.Networking;

namespace Mirra.Replication;

/// <summary>Redis's failover_state, as INFO replication's master_failover_state shows it.</summary>
public enum FailoverState
{
    /// <summary>no-failover</summary>
    None,
    /// <summary>waiting-for-sync: writes are paused until the target acknowledged the whole stream.</summary>
    WaitForSync,
    /// <summary>failover-in-progress: we are the target's replica and ask it, with PSYNC ... FAILOVER, to take over.</summary>
    InProgress,
}

/// <summary>
/// The coordinated failover of the FAILOVER command (Redis 6.2+), both sides.
/// <para>
/// On the master: FAILOVER pauses writes (as CLIENT PAUSE WRITE, with a pause of its own) and waits until the target
/// replica (TO host port, or else the first replica that is in sync) has acknowledged master_repl_offset. Then the
/// master turns into the target's replica and its handshake sends <c>PSYNC &lt;replid&gt; &lt;offset&gt; FAILOVER</c>.
/// When the target accepts (+CONTINUE, or +FULLRESYNC) the failover is over and writes resume (they are refused now:
/// we are a replica); when it refuses, the failover is aborted: we are a master again (under a new replication id,
/// as after REPLICAOF NO ONE). A TIMEOUT that expires before the target is in sync aborts, or with FORCE fails over
/// anyway. Redis does not ask for ACKs meanwhile (REPLCONF GETACK would move the offset while writes are paused): the
/// replicas' own ACK, every second, tells when they are in sync.
/// </para>
/// <para>
/// On the target: <c>PSYNC &lt;replid&gt; &lt;offset&gt; FAILOVER</c> from a client that knows our replication id (our
/// master's) promotes us as REPLICAOF NO ONE does, then the PSYNC is served as usual (normally +CONTINUE: the old
/// master continues from our secondary id).
/// </para>
/// Executor thread only.
/// </summary>
public sealed class Failover
{
    readonly Server _server;

    public FailoverState State { get; private set; }
    /// <summary>The replica we fail over to (Redis's target_replica_host/port): given by TO, or chosen once in sync.</summary>
    public string? TargetHost { get; private set; }
    public int TargetPort { get; private set; }
    /// <summary>Unix ms when TIMEOUT expires (Redis's failover_end_time), 0 without TIMEOUT.</summary>
    public long EndMs { get; private set; }
    /// <summary>FORCE: fail over even if the target is not in sync when TIMEOUT expires.</summary>
    public bool Force { get; private set; }

    public Failover(Server server)
    {
        _server = server;
        // Redis checks in beforeSleep (ACKs that arrived in this round) and in replicationCron.
        server.Executor.BeforeSleep += Update;
    }

    MasterReplication Master => _server.Master;
    Observability.Log Log => _server.Log;

    /// <summary>INFO replication's master_failover_state.</summary>
    public string StateName => State switch
    {
        FailoverState.WaitForSync => "waiting-for-sync",
        FailoverState.InProgress => "failover-in-progress",
        _ => "no-failover",
    };

    /// <summary>Our handshake with the target sends PSYNC ... FAILOVER.</summary>
    public bool InProgress => State == FailoverState.InProgress;

    /// <summary>
    /// Redis skips the stream's periodic PING while a FAILOVER with a TIMEOUT holds clients paused (the PING would move
    /// the offset the target must reach). Without TIMEOUT it does not: the target then has to acknowledge the PING too.
    /// </summary>
    public bool SuppressesPing => EndMs != 0 && _server.Clients.ClientsPaused;

    // ------------------------------------------------------------------ the master side

    /// <summary>
    /// FAILOVER [TO host port [FORCE]] [TIMEOUT ms] once its arguments are parsed: Redis's checks in Redis's order,
    /// then the pause and waiting-for-sync. Returns the error to reply, or null (+OK).
    /// </summary>
    public string? Start(string? host, long port, long timeoutMs, bool force)
    {
        if (State != FailoverState.None) return "ERR FAILOVER already in progress.";
        if (_server.IsReplica) return "ERR FAILOVER is not valid when server is a replica.";
        if (Master.Replicas.Count == 0) return "ERR FAILOVER requires connected replicas.";
        if (force && (timeoutMs == 0 || host == null)) return "ERR FAILOVER with force option requires both a timeout and target HOST and IP.";
        if (host != null)
        {
            var replica = FindReplica(host, port);
            if (replica == null) return "ERR FAILOVER target HOST and PORT is not a replica.";
            if (replica.State != ReplicaState.Online) return "ERR FAILOVER target replica is not online.";
            TargetHost = host;
            TargetPort = (int)port;
            Log.Notice($"FAILOVER requested to {host}:{port}.");
        }
        else Log.Notice("FAILOVER requested to any replica.");
        EndMs = timeoutMs > 0 ? _server.Clock.NowMs() + timeoutMs : 0;
        Force = force;
        State = FailoverState.WaitForSync;
        _server.Clients.Pause(PauseType.Write, long.MaxValue, PausePurpose.Failover);
        if (EndMs != 0 && _server.Executor.Started)
        {
            // Wakes the executor at the deadline (Update runs before it sleeps again).
            _server.Executor.Timers.Add((int)Math.Min(timeoutMs, int.MaxValue), () => -1);
            _server.Executor.Post(static () => { });
        }
        return null;
    }

    /// <summary>FAILOVER ABORT: false when there is no failover to abort.</summary>
    public bool AbortByUser()
    {
        if (State == FailoverState.None) return false;
        Abort("Failover manually aborted");
        return true;
    }

    /// <summary>Redis's abortFailover: back to a master (if we had turned into the target's replica), writes resume.</summary>
    public void Abort(string reason)
    {
        if (State == FailoverState.None) return;
        Log.Notice(TargetHost != null ? $"FAILOVER to {TargetHost}:{TargetPort} aborted: {reason}" : $"FAILOVER to any replica aborted: {reason}");
        if (State == FailoverState.InProgress)
        {
            _server.MasterLink.UnsetMaster();
            _server.ConfigRegistry.SetInternal("replicaof", "no", "one");
        }
        Clear();
    }

    /// <summary>Redis's clearFailoverState: no failover, no target, writes resume.</summary>
    void Clear()
    {
        State = FailoverState.None;
        TargetHost = null;
        TargetPort = 0;
        EndMs = 0;
        Force = false;
        _server.Clients.Unpause(PausePurpose.Failover);
    }

    /// <summary>
    /// Redis's updateFailoverStatus (before sleeping): the timeout, then whether the target (or, without TO, the first
    /// replica) acknowledged the whole stream; if so we become its replica and the handshake asks it to take over.
    /// </summary>
    public void Update()
    {
        if (State != FailoverState.WaitForSync) return;
        if (EndMs != 0 && EndMs <= _server.Clock.NowMs())
        {
            if (Force)
            {
                Log.Notice($"FAILOVER to {TargetHost}:{TargetPort} time out exceeded, failing over.");
                FailOver();
            }
            else Abort("Replica never caught up before timeout");
            return;
        }
        long offset = _server.Replication.Offset;
        ReplicaLink? replica = null;
        if (TargetHost != null) replica = FindReplica(TargetHost, TargetPort);
        else
        {
            foreach (var link in Master.Replicas)
            {
                if (link.AckOffset != offset) continue;
                var ip = link.Ip;
                if (ip == null) continue;
                replica = link;
                TargetHost = ip;
                TargetPort = link.ListeningPort;
                break;
            }
        }
        if (replica == null || replica.AckOffset != offset) return;
        Log.Notice($"Failover target {TargetHost}:{TargetPort} is synced, failing over.");
        FailOver();
    }

    /// <summary>We turn into the target's replica (Redis's replicationSetMaster); our handshake then sends PSYNC ... FAILOVER.</summary>
    void FailOver()
    {
        State = FailoverState.InProgress;
        string host = TargetHost!;
        int port = TargetPort;
        _server.MasterLink.SetMaster(host, port);
        _server.ConfigRegistry.SetInternal("replicaof", host, port.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The target answered our PSYNC ... FAILOVER (Redis's syncWithMaster after slaveTryPartialResynchronization):
    /// +CONTINUE or +FULLRESYNC end the failover (we stay its replica); anything else is a refusal, logged as the
    /// handshake logs it, and aborts the failover (we are a master again and this connection is dropped).
    /// </summary>
    internal void PsyncReplied(string reply)
    {
        if (State != FailoverState.InProgress) return;
        if (reply.StartsWith("+CONTINUE", StringComparison.Ordinal) || reply.StartsWith("+FULLRESYNC", StringComparison.Ordinal))
        {
            Clear();
            return;
        }
        if (reply.StartsWith("-NOMASTERLINK", StringComparison.Ordinal) || reply.StartsWith("-LOADING", StringComparison.Ordinal))
            Log.Notice("Master is currently unable to PSYNC but should be in the future: " + reply);
        else if (reply.StartsWith("-ERR", StringComparison.Ordinal))
            Log.Notice($"Master does not support PSYNC or is in error state (reply: {reply})");
        else
            Log.Warning("Unexpected reply to PSYNC from master: " + reply);
        Abort("Failover target rejected psync request");
    }

    /// <summary>Redis's findReplica: the replica announcing this address (REPLCONF ip-address, else its peer IP) and listening port.</summary>
    ReplicaLink? FindReplica(string host, long port)
    {
        foreach (var link in Master.Replicas)
        {
            var ip = link.Ip;
            if (ip != null && string.Equals(ip, host, StringComparison.OrdinalIgnoreCase) && link.ListeningPort == port) return link;
        }
        return null;
    }

    // ------------------------------------------------------------------ the target side

    /// <summary>
    /// PSYNC replid offset FAILOVER (Redis's syncCommand): a replica whose replication id the request names (its master
    /// asks) promotes itself, and the PSYNC then goes on as usual. False when refused (the error was replied).
    /// </summary>
    public bool PromoteForPsync(CommandContext ctx)
    {
        string replid = Encoding.Latin1.GetString(ctx.Arg(1));
        Log.Warning($"Failover request received for replid {replid}.");
        if (!_server.IsReplica)
        {
            ctx.Error("ERR PSYNC FAILOVER can't be sent to a master.");
            return false;
        }
        if (!string.Equals(replid, _server.Replication.ReplId, StringComparison.OrdinalIgnoreCase))
        {
            ctx.Error("ERR PSYNC FAILOVER replid must match my replid.");
            return false;
        }
        _server.MasterLink.UnsetMaster();
        _server.ConfigRegistry.SetInternal("replicaof", "no", "one");
        Log.Notice($"MASTER MODE enabled (failover request from '{Commands.ReplicaOfCommands.Describe(ctx)}')");
        return true;
    }
}
