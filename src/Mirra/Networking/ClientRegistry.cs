using System.Net;
using System.Text;
using Mirra.Engine;

namespace Mirra.Networking;

/// <summary>CLIENT PAUSE modes (Redis's pause types, ordered: a stronger pause wins).</summary>
public enum PauseType { None = 0, Write = 1, All = 2 }

/// <summary>Why clients are paused (Redis's pause_purpose): each purpose has its own pause and its own end.</summary>
public enum PausePurpose { ClientCommand = 0, Shutdown = 1, Failover = 2 }

/// <summary>Redis's client types (CLIENT LIST TYPE, CLIENT KILL TYPE, output buffer limit classes).</summary>
public enum ClientType { Normal, Replica, PubSub, Master }

/// <summary>
/// The connected clients (executor thread only): admission (maxclients, protected mode), the idle
/// timeout, disconnection, CLIENT PAUSE state, the MONITOR clients, and the CLIENT LIST
/// description of each client.
/// </summary>
public sealed class ClientRegistry
{
    readonly Server _server;
    readonly SortedDictionary<long, Client> _clients = new();

    /// <summary>Called when a client goes away (pub/sub, blocking and replication clean-up hook in here).</summary>
    public event Action<Client>? Disconnected;

    /// <summary>
    /// CLIENT UNBLOCK: set by the blocking commands. Given the client and whether to unblock it with an
    /// error (else as a timeout), returns true when it was blocked and is now unblocked.
    /// </summary>
    public Func<Client, bool, bool>? UnblockHandler;

    /// <summary>Clients in MONITOR mode, in the order they asked (Redis's server.monitors).</summary>
    public readonly List<Client> Monitors = new();

    public ClientRegistry(Server server)
    {
        _server = server;
        server.CronJobs.Add(CloseIdleClients);
    }

    public int Count => _clients.Count;
    public IEnumerable<Client> All => _clients.Values;
    public Client? Find(long id) => _clients.GetValueOrDefault(id);

    /// <summary>Admits a new connection or answers it with Redis's refusal and closes it.</summary>
    public void Register(Connection connection)
    {
        var client = connection.Client;
        var server = _server;
        client.Db = server.Keyspace[0];
        client.CreatedAtMs = client.LastInteractionMs = server.Clock.NowMs();
        client.Authenticated = !server.AuthRequired;

        // Redis counts the clients already connected: the N+1th of maxclients N is refused.
        if (_clients.Count >= server.Config.MaxClients)
        {
            server.Stats.RejectedConnections++;
            Refuse(client, "-ERR max number of clients reached\r\n");
            return;
        }
        // Redis 7.0: with protected mode on and no password for the default user, only loopback
        // and unix socket clients are served, whatever `bind` says.
        if (server.Config.ProtectedMode && !server.AuthRequired && !connection.IsUnixSocket && !IsLoopback(connection.RemoteIp))
        {
            server.Stats.RejectedConnections++;
            Refuse(client, ProtectedModeMessage);
            return;
        }
        server.Stats.TotalConnectionsReceived++;
        if (server.Log.Enabled(Observability.LogLevel.Verbose))
            server.Log.Verbose(connection.IsUnixSocket ? $"Accepted connection to {server.Config.UnixSocket}" : $"Accepted {connection.RemoteAddressForLog}");
        _clients[client.Id] = client;
    }

    /// <summary>Adds a client that has no network admission (an internal client, a test client).</summary>
    public void Attach(Client client)
    {
        client.Db ??= _server.Keyspace[0];
        if (client.CreatedAtMs == 0) client.CreatedAtMs = _server.Clock.NowMs();
        if (client.LastInteractionMs == 0) client.LastInteractionMs = client.CreatedAtMs;
        _clients[client.Id] = client;
    }

    static bool IsLoopback(IPAddress? ip)
    {
        if (ip == null) return true;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        return IPAddress.IsLoopback(ip);
    }

    static void Refuse(Client client, string reply)
    {
        client.Reply.WriteRaw(Encoding.ASCII.GetBytes(reply));
        client.Flags |= ClientFlags.CloseAfterReply;
        client.Closed = true;
        client.Flush();
    }

    /// <summary>Redis 7.0's protected-mode refusal (its typo "Setup a an" included), sent to non-loopback clients when no password is set.</summary>
    public const string ProtectedModeMessage =
        "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. " +
        "In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: " +
        "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. " +
        "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
        "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
        "4) Setup a an authentication password for the default user. " +
        "NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

    /// <summary>The peer closed (or the reader stopped): disconnect once the commands it sent have run.</summary>
    public void OnPeerClosed(Client client)
    {
        if (!client.Closed && _clients.ContainsKey(client.Id) && _server.Log.Enabled(Observability.LogLevel.Verbose))
            _server.Log.Verbose("Client closed connection " + Describe(client));
        if (client.PendingBatches > 0 && !client.IsPaused && !client.Closed) client.PeerClosed = true;
        else OnDisconnected(client);
    }

    /// <summary>The connection ends: what the last commands replied goes out, then the client is freed.</summary>
    public void OnDisconnected(Client client)
    {
        _server.Executor.RunBeforeReplies(); // the AOF first: its writes precede any reply
        client.Flush(); // whatever the last commands replied (a protocol error) goes out before the close
        client.Transport?.Close();
        Free(client);
    }

    /// <summary>Closes a client now, dropping its pending output (CLIENT KILL, timeout, limits).</summary>
    public void Kill(Client client)
    {
        client.Transport?.Close();
        Free(client);
    }

    void Free(Client client)
    {
        bool registered = _clients.Remove(client.Id);
        client.Closed = true;
        client.DiscardInbox();
        if (!registered) return;
        Monitors.Remove(client);
        if (_postponed.Remove(client)) client.IsPaused = false;
        Disconnected?.Invoke(client);
        client.Reply.Release();
    }

    public void CloseForQueryBufferLimit(Client client, int length)
    {
        _server.Stats.ClientQueryBufferLimitDisconnections++;
        _server.Log.Warning($"Closing client that reached max query buffer length: {Describe(client)} (qbuf initial bytes: ...)");
        Kill(client);
    }

    // ---- Idle timeout (Redis's clientsCronHandleTimeout) ----

    void CloseIdleClients()
    {
        int timeout = _server.Config.Timeout;
        if (timeout <= 0 || _clients.Count == 0) return;
        long nowSec = _server.Clock.NowMs() / 1000;
        List<Client>? idle = null;
        foreach (var c in _clients.Values)
        {
            // Replicas and monitors, masters, blocked (and paused) clients and subscribers never time out.
            if ((c.Flags & (ClientFlags.Replica | ClientFlags.Master | ClientFlags.Blocked | ClientFlags.PubSub)) != 0) continue;
            if (c.Transport == null) continue;
            if (nowSec - c.LastInteractionMs / 1000 > timeout) (idle ??= new()).Add(c);
        }
        if (idle == null) return;
        foreach (var c in idle)
        {
            _server.Log.Verbose("Closing idle client");
            Kill(c);
        }
    }

    // ---- CLIENT PAUSE ----

    readonly List<Client> _postponed = new();
    TimerQueue.TimerEntry? _pauseTimer;
    /// <summary>One pause per purpose (Redis 7.0's client_pause_per_purpose); None where there is none.</summary>
    readonly (PauseType Type, long EndMs)[] _pauses = new (PauseType, long)[3];

    /// <summary>The strongest pause in force (Redis's client_pause_type).</summary>
    public PauseType PauseType { get; private set; }
    /// <summary>Clients waiting for the end of a CLIENT PAUSE (Redis counts them apart from blocked_clients).</summary>
    public int PostponedCount => _postponed.Count;
    /// <summary>When the strongest pause ends (Unix ms).</summary>
    public long PauseEndMs { get; private set; }

    /// <summary>True while clients are paused: Redis also stops expiring and evicting keys then.</summary>
    public bool ClientsPaused => !CheckPauseEnd();

    /// <summary>
    /// Pauses clients for a purpose (CLIENT PAUSE, a shutdown waiting for replicas, FAILOVER): within one purpose a
    /// stronger mode and a later end win; the strongest pause of all purposes is the one in force (Redis's pauseClients).
    /// </summary>
    public void Pause(PauseType type, long endMs, PausePurpose purpose = PausePurpose.ClientCommand)
    {
        ref var p = ref _pauses[(int)purpose];
        if (p.Type == PauseType.None) p = (type, endMs);
        else p = ((PauseType)Math.Max((int)p.Type, (int)type), Math.Max(p.EndMs, endMs));
        UpdatePause();
    }

    /// <summary>Ends the pauses whose time has come; true when no pause is left.</summary>
    bool CheckPauseEnd()
    {
        if (PauseType == PauseType.None) return true;
        if (_server.Clock.NowMs() < PauseEndMs) return false;
        UpdatePause();
        return PauseType == PauseType.None;
    }

    /// <summary>
    /// Redis's updateClientPauseTypeAndEndTime: drops expired pauses, takes the strongest of the others (its latest end);
    /// when the pause gets weaker, the postponed clients run again (those still concerned are postponed anew).
    /// </summary>
    void UpdatePause()
    {
        var old = PauseType;
        var type = PauseType.None;
        long end = 0;
        long now = _server.Clock.NowMs();
        for (int i = 0; i < _pauses.Length; i++)
        {
            ref var p = ref _pauses[i];
            if (p.Type == PauseType.None) continue;
            if (now >= p.EndMs) { p = (PauseType.None, 0); continue; }
            if (p.Type > type) { type = p.Type; end = p.EndMs; }
            else if (p.Type == type) end = Math.Max(end, p.EndMs);
        }
        bool endChanged = end != PauseEndMs;
        PauseType = type;
        PauseEndMs = end;
        // A timer wakes the executor when the pause in force ends (another pause may then take over).
        if (_pauseTimer != null && (type == PauseType.None || endChanged)) { _pauseTimer.Cancelled = true; _pauseTimer = null; }
        if (_pauseTimer == null && type != PauseType.None)
        {
            long delay = Math.Clamp(end - now, 0, int.MaxValue);
            _pauseTimer = _server.Executor.Timers.Add((int)delay, () =>
            {
                _pauseTimer = null;
                UpdatePause(); // a new timer if a pause is still in force
                return -1;
            });
        }
        if (type < old) ResumePostponed();
    }

    /// <summary>CLIENT UNPAUSE (or the end of a shutdown wait, of a failover): that purpose's pause ends.</summary>
    public void Unpause(PausePurpose purpose = PausePurpose.ClientCommand)
    {
        _pauses[(int)purpose] = (PauseType.None, 0);
        UpdatePause();
    }

    /// <summary>Postponed clients run again, in the order they were stopped.</summary>
    void ResumePostponed()
    {
        if (_postponed.Count == 0) return;
        var resumed = _postponed.ToArray();
        _postponed.Clear();
        foreach (var c in resumed)
        {
            c.Flags &= ~ClientFlags.Blocked;
            if (!c.Closed) c.Resume(_server.Executor);
        }
    }

    /// <summary>
    /// True when this command must wait for the end of the pause: every command with PAUSE ALL, and with
    /// PAUSE WRITE those that may write or replicate (write commands, PUBLISH, EVAL, PFCOUNT...).
    /// Replicas and monitors are never paused.
    /// </summary>
    public bool MustPostpone(Client client, CommandSpec command) =>
        MustPostpone(client, command, command.Has(CommandFlags.Write | CommandFlags.MayReplicate));

    /// <param name="mayReplicate">The command (or, for EXEC, a queued command) is a write or may replicate.</param>
    public bool MustPostpone(Client client, CommandSpec command, bool mayReplicate)
    {
        if (CheckPauseEnd()) return false;
        if (client.Is(ClientFlags.Replica) || client.Is(ClientFlags.Master)) return false;
        return PauseType == PauseType.All || mayReplicate;
    }

    /// <summary>Stops a client until the pause ends (Redis's BLOCKED_POSTPONE: it shows the 'b' flag meanwhile).</summary>
    public void Postpone(Client client)
    {
        client.IsPaused = true;
        client.Flags |= ClientFlags.Blocked;
        _postponed.Add(client);
    }

    // ---- Types and descriptions ----

    public static ClientType TypeOf(Client c)
    {
        if (c.Is(ClientFlags.Master)) return ClientType.Master;
        if (c.Is(ClientFlags.Replica) && !c.Is(ClientFlags.Monitor)) return ClientType.Replica;
        if (c.Is(ClientFlags.PubSub)) return ClientType.PubSub;
        return ClientType.Normal;
    }

    /// <summary>Redis's getClientTypeByName: normal, slave/replica, pubsub, master (any case).</summary>
    public static ClientType? TypeByName(string name) => name.ToLowerInvariant() switch
    {
        "normal" => ClientType.Normal,
        "slave" or "replica" => ClientType.Replica,
        "pubsub" => ClientType.PubSub,
        "master" => ClientType.Master,
        _ => null,
    };

    /// <summary>The client's address as CLIENT LIST's addr and CLIENT KILL ADDR know it (ip:port, [ipv6]:port, /path:0).</summary>
    public static string PeerId(Client c) => c.Transport?.RemoteAddress ?? "";
    public static string SockName(Client c) => c.Transport?.LocalAddress ?? "";

    const int ReplyChunk = 16 * 1024;
    const int ReadBufferSize = 16 * 1024;

    /// <summary>
    /// One CLIENT LIST line, with Redis 7.0's fields in Redis's order. <paramref name="argvMem"/> is the size
    /// of the arguments of the command being run and <paramref name="runningQueryBytes"/> its size as received
    /// (Redis's argv-mem and its share of qbuf, non-zero only for the client running the command).
    /// Memory fields are Mirra's own buffers: qbuf/qbuf-free the read buffer, rbs/rbp the reply buffer,
    /// obl/oll/omem what waits to be sent (the first 16 KB count as the reply buffer, the rest as list).
    /// </summary>
    public string Describe(Client c, int argvMem = 0, int runningQueryBytes = 0)
    {
        var t = c.Transport;
        long now = _server.Clock.NowMs();
        var flags = new StringBuilder(8);
        if (c.Is(ClientFlags.Replica)) flags.Append(c.Is(ClientFlags.Monitor) ? 'O' : 'S');
        else if (c.Is(ClientFlags.Monitor)) flags.Append('O');
        if (c.Is(ClientFlags.Master)) flags.Append('M');
        if (c.Is(ClientFlags.PubSub)) flags.Append('P');
        if (c.Is(ClientFlags.Multi)) flags.Append('x');
        if (c.Is(ClientFlags.Blocked)) flags.Append('b');
        if (c.Is(ClientFlags.DirtyCas)) flags.Append('d');
        if (c.Is(ClientFlags.CloseAfterReply)) flags.Append('c');
        if (c.Is(ClientFlags.Unblocked)) flags.Append('u');
        if (c.Is(ClientFlags.CloseAsap)) flags.Append('A');
        if (t != null && t.IsUnixSocket) flags.Append('U');
        if (c.Is(ClientFlags.ReadOnly)) flags.Append('r');
        if (c.Is(ClientFlags.NoEvict)) flags.Append('e');
        if (flags.Length == 0) flags.Append('N');

        long pending = t?.PendingOutputBytes(c) ?? 0;
        long inFlight = pending - c.Reply.Length;
        long obl = Math.Min(pending, ReplyChunk);
        long omem = pending - obl;
        long oll = (omem + ReplyChunk - 1) / ReplyChunk;
        // A replica's output is its share of the replication buffer: omem counts it all, oll its blocks (as Redis 7).
        if (t is Replication.ReplicaTransport replica) (obl, omem, oll, inFlight) = (0, pending, replica.OutputBlocks, replica.Writing ? 1 : 0);
        // The running command is still in Redis's query buffer while it runs.
        int qbuf = (t?.QueryBufferLength ?? 0) + runningQueryBytes;
        int qbufFree = t != null ? Math.Max(0, ReadBufferSize - qbuf) : 0;
        int rbs = c.Reply.RawBuffer.Length;
        long multiMem = c.Transaction?.ArgvBytes ?? 0;
        long totMem = qbuf + qbufFree + argvMem + multiMem + rbs + omem + 1024;
        var sb = new StringBuilder(300);
        sb.Append("id=").Append(c.Id)
          .Append(" addr=").Append(PeerId(c))
          .Append(" laddr=").Append(SockName(c))
          .Append(" fd=").Append(t?.Fd ?? -1)
          .Append(" name=").Append(c.Name == null ? "" : Encoding.UTF8.GetString(c.Name))
          .Append(" age=").Append(now / 1000 - c.CreatedAtMs / 1000)
          .Append(" idle=").Append(now / 1000 - c.LastInteractionMs / 1000)
          .Append(" flags=").Append(flags)
          .Append(" db=").Append(c.Db.Index)
          .Append(" sub=").Append(c.Subscriptions)
          .Append(" psub=").Append(c.PatternSubscriptions)
          .Append(" ssub=").Append(c.ShardSubscriptions)
          .Append(" multi=").Append(c.MultiCount)
          .Append(" qbuf=").Append(qbuf)
          .Append(" qbuf-free=").Append(qbufFree)
          .Append(" argv-mem=").Append(argvMem)
          .Append(" multi-mem=").Append(multiMem)
          .Append(" rbs=").Append(rbs)
          .Append(" rbp=").Append(c.Reply.Length)
          .Append(" obl=").Append(obl)
          .Append(" oll=").Append(oll)
          .Append(" omem=").Append(omem)
          .Append(" tot-mem=").Append(totMem)
          .Append(" events=").Append(inFlight > 0 ? "rw" : "r")
          .Append(" cmd=").Append(c.LastCommand)
          .Append(" user=").Append(c.User)
          .Append(" redir=-1")
          .Append(" resp=").Append(c.Protocol);
        return sb.ToString();
    }
}
