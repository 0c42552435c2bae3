using System.Text;
using Mirra.Engine;

namespace Mirra.Networking;

/// <summary>
/// The connected clients (executor thread only): registration with maxclients and protected-mode
/// checks, disconnection, and the CLIENT LIST description of each client.
/// </summary>
public sealed class ClientRegistry
{
    readonly Server _server;
    readonly SortedDictionary<long, Client> _clients = new();

    /// <summary>Called when a client goes away (pub/sub, blocking and replication clean-up hook in here).</summary>
    public event Action<Client>? Disconnected;

    public ClientRegistry(Server server) => _server = server;

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
        server.Stats.TotalConnectionsReceived++;

        if (_clients.Count + 1 > server.Config.MaxClients)
        {
            server.Stats.RejectedConnections++;
            Refuse(client, "-ERR max number of clients reached\r\n");
            return;
        }
        if (server.Config.ProtectedMode && !server.AuthRequired && !connection.IsUnixSocket &&
            connection.RemoteIp is { } ip && !System.Net.IPAddress.IsLoopback(ip))
        {
            server.Stats.RejectedConnections++;
            server.Log.Verbose($"Denied connection from {connection.RemoteAddress}: protected mode is on and no password is set");
            Refuse(client, ProtectedModeMessage);
            return;
        }
        _clients[client.Id] = client;
    }

    static void Refuse(Client client, string reply)
    {
        client.Reply.WriteRaw(Encoding.ASCII.GetBytes(reply));
        client.Flags |= ClientFlags.CloseAfterReply;
        client.Closed = true;
        client.Flush();
    }

    /// <summary>Redis 7.0's protected-mode refusal, sent to non-loopback clients when no password is set.</summary>
    public const string ProtectedModeMessage =
        "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. " +
        "In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: " +
        "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. " +
        "2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
        "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
        "4) Set up an authentication password for the default user. " +
        "NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

    /// <summary>The peer closed (or the reader stopped): disconnect once the commands it sent have run.</summary>
    public void OnPeerClosed(Client client)
    {
        if (client.PendingBatches > 0 && !client.IsPaused && !client.Closed) client.PeerClosed = true;
        else OnDisconnected(client);
    }

    public void OnDisconnected(Client client)
    {
        client.Flush(); // whatever the last commands replied (a protocol error) goes out before the close
        client.Transport?.Close();
        if (!_clients.Remove(client.Id) && client.Closed) { client.DiscardInbox(); return; }
        client.Closed = true;
        client.DiscardInbox();
        Disconnected?.Invoke(client);
        client.Reply.Release();
    }

    /// <summary>Closes a client now (CLIENT KILL, timeout, limits).</summary>
    public void Kill(Client client)
    {
        client.Closed = true;
        client.Transport?.Close();
    }

    public void CloseForQueryBufferLimit(Client client, int length)
    {
        _server.Stats.ClientQueryBufferLimitDisconnections++;
        _server.Log.Warning($"Closing client that reached max query buffer length: {Describe(client)} (qbuf initial bytes: ...)");
        Kill(client);
    }

    /// <summary>One CLIENT LIST line, with Redis 7.0's fields in Redis's order.</summary>
    public string Describe(Client c)
    {
        var t = c.Transport;
        long now = _server.Clock.NowMs();
        var flags = new StringBuilder();
        if (c.Is(ClientFlags.Replica)) flags.Append(c.Is(ClientFlags.Monitor) ? 'O' : 'S');
        if (c.Is(ClientFlags.Master)) flags.Append('M');
        if (c.Is(ClientFlags.PubSub)) flags.Append('P');
        if (c.Is(ClientFlags.Multi)) flags.Append('x');
        if (c.Is(ClientFlags.Blocked)) flags.Append('b');
        if (c.Is(ClientFlags.DirtyCas)) flags.Append('d');
        if (c.Is(ClientFlags.CloseAfterReply)) flags.Append('c');
        if (c.Is(ClientFlags.Unblocked)) flags.Append('u');
        if (c.Is(ClientFlags.CloseAsap)) flags.Append('A');
        if (c.Is(ClientFlags.ReadOnly)) flags.Append('r');
        if (c.Is(ClientFlags.NoEvict)) flags.Append('e');
        if (c.Is(ClientFlags.NoTouch)) flags.Append('T');
        if (c.Is(ClientFlags.Monitor) && !c.Is(ClientFlags.Replica)) flags.Append('O');
        if (flags.Length == 0) flags.Append('N');
        long omem = t?.PendingOutputBytes(c) ?? 0;
        int qbuf = t?.QueryBufferLength ?? 0;
        return $"id={c.Id} addr={t?.RemoteAddress ?? ""} laddr={t?.LocalAddress ?? ""} fd={t?.Fd ?? -1} " +
               $"name={(c.Name == null ? "" : Encoding.UTF8.GetString(c.Name))} age={(now - c.CreatedAtMs) / 1000} idle={(now - c.LastInteractionMs) / 1000} " +
               $"flags={flags} db={c.Db.Index} sub={c.Subscriptions} psub={c.PatternSubscriptions} ssub=0 multi={c.MultiCount} " +
               $"qbuf={qbuf} qbuf-free={Math.Max(0, 16384 - qbuf)} argv-mem=0 multi-mem=0 rbs={c.Reply.RawBuffer.Length} rbp={c.Reply.Length} " +
               $"obl={Math.Min(omem, 16384)} oll={(omem > 16384 ? 1 : 0)} omem={omem} tot-mem={omem + c.Reply.RawBuffer.Length + qbuf + 1024} " +
               $"events=r cmd={c.LastCommand} user={c.User} redir=-1 resp={c.Protocol}";
    }
}
