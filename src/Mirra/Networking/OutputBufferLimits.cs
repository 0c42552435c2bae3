using Mirra.Config;
using Mirra.Engine;

namespace Mirra.Networking;

/// <summary>
/// client-output-buffer-limit, for the three classes Redis knows (normal, replica, pubsub): a client
/// whose unsent output reaches the hard limit, or stays at or over the soft limit for longer than the
/// soft seconds, is closed. Like Redis it is closed "asap": flagged (no more output is added, no more
/// commands run) and freed by the executor a moment later, so callers may be in the middle of walking
/// client lists (a PUBLISH delivering to subscribers).
/// <para>
/// Whoever makes a client's output grow calls <see cref="Check"/>: the dispatcher after running a
/// client's commands, pub/sub after each delivered message, replication after feeding a replica.
/// Pending output is what the client's transport reports (<see cref="IClientTransport.PendingOutputBytes"/>),
/// so a replica transport that is a cursor into the backlog reports "tail − cursor".
/// </para>
/// </summary>
public sealed class OutputBufferLimits
{
    readonly Server _server;
    readonly List<Client> _closing = new();

    public OutputBufferLimits(Server server) => _server = server;

    /// <summary>Clients flagged and waiting to be freed.</summary>
    public int ScheduledCount => _closing.Count;

    /// <summary>The limit of a client's class. Masters and monitors count as normal clients, like in Redis.</summary>
    public static ClientOutputBufferLimit LimitFor(ServerConfig config, Client client) => ClientRegistry.TypeOf(client) switch
    {
        ClientType.Replica => config.ClientOutputBufferLimit.Replica,
        ClientType.PubSub => config.ClientOutputBufferLimit.PubSub,
        _ => config.ClientOutputBufferLimit.Normal,
    };

    /// <summary>
    /// Redis's checkClientOutputBufferLimits: true when <paramref name="used"/> bytes of pending output
    /// break the client's limit. Keeps the time the soft limit was first reached on the client, and
    /// forgets it as soon as the output is back under the soft limit; the soft limit breaks only once it
    /// has been exceeded for more than the given seconds (whole seconds of the server clock, like Redis).
    /// </summary>
    public bool IsOverLimit(Client client, long used)
    {
        var config = _server.Config;
        var limit = LimitFor(config, client);
        long hardBytes = limit.HardBytes;
        // A replica's hard limit below the backlog size would drop replicas that just did a partial sync.
        if (ClientRegistry.TypeOf(client) == ClientType.Replica && hardBytes > 0 && hardBytes < config.ReplBacklogSize)
            hardBytes = config.ReplBacklogSize;
        bool hard = hardBytes > 0 && used >= hardBytes;
        bool soft = limit.SoftBytes > 0 && used >= limit.SoftBytes;
        if (soft)
        {
            long nowSec = _server.Clock.NowMs() / 1000;
            if (client.OutputSoftLimitSince == 0)
            {
                client.OutputSoftLimitSince = nowSec;
                soft = false; // first time over the soft limit
            }
            else if (nowSec - client.OutputSoftLimitSince <= limit.SoftSeconds) soft = false;
        }
        else client.OutputSoftLimitSince = 0;
        return soft || hard;
    }

    /// <summary>
    /// Redis's closeClientOnOutputBufferLimitReached (async): schedules the client's closing when its
    /// pending output breaks its class's limit, and says so in the log. True when the client is (or
    /// already was) scheduled to be closed; internal clients (no transport) are never closed.
    /// </summary>
    public bool Check(Client client)
    {
        var transport = client.Transport;
        if (transport == null || client.Closed) return false;
        if (client.Is(ClientFlags.CloseAsap)) return true;
        var limit = LimitFor(_server.Config, client);
        if (limit.HardBytes == 0 && limit.SoftBytes == 0) return false;
        long used = transport.PendingOutputBytes(client);
        if (used == 0 && ClientRegistry.TypeOf(client) != ClientType.Replica) return false;
        if (!IsOverLimit(client, used)) return false;
        // Described before it is flagged, as in Redis's log line.
        string description = _server.Clients.Describe(client);
        ScheduleClose(client);
        _server.Stats.ClientOutputBufferLimitDisconnections++;
        _server.Log.Warning($"Client {description} scheduled to be closed ASAP for overcoming of output buffer limits.");
        return true;
    }

    /// <summary>Redis's freeClientAsync: flags the client (CLIENT LIST shows 'A') and frees it at the executor's next turn.</summary>
    public void ScheduleClose(Client client)
    {
        if (client.Is(ClientFlags.CloseAsap)) return;
        client.Flags |= ClientFlags.CloseAsap;
        _closing.Add(client);
        if (_closing.Count == 1) _server.Executor.Post(CloseScheduled);
    }

    /// <summary>Frees the clients scheduled to be closed (executor thread; tests call it directly).</summary>
    public void CloseScheduled()
    {
        if (_closing.Count == 0) return;
        var clients = _closing.ToArray();
        _closing.Clear();
        foreach (var c in clients)
            if (!c.Closed) _server.Clients.Kill(c);
    }
}
