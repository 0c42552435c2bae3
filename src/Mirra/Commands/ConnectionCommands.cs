using System.Security.Cryptography;
using System.Text;
using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>PING, ECHO, QUIT, SELECT, AUTH, HELLO: the connection family.</summary>
public static class ConnectionCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("ping", -1, "fast sentinel", 0, 0, 0, Ping) { Group = "connection", Tips = "request_policy:all_shards response_policy:all_succeeded", Summary = "Returns the server's liveliness response." });
        t.Add(new CommandSpec("echo", 2, "fast", 0, 0, 0, Echo) { Group = "connection", Summary = "Returns the given string." });
        t.Add(new CommandSpec("quit", -1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0, Quit) { Group = "connection", Summary = "Closes the connection." });
        t.Add(new CommandSpec("select", 2, "loading stale fast", 0, 0, 0, Select) { Group = "connection", Summary = "Changes the selected database." });
        t.Add(new CommandSpec("auth", -2, "noscript loading stale fast no_auth sentinel allow_busy", 0, 0, 0, Auth) { Group = "connection", Summary = "Authenticates the connection." });
        t.Add(new CommandSpec("reset", 1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0, Reset) { Group = "connection", Since = "6.2.0", Summary = "Resets the connection to its state right after connecting." });
        t.Add(new CommandSpec("hello", -1, "noscript loading stale fast no_auth sentinel allow_busy", 0, 0, 0, Hello) { Group = "connection", Since = "6.0.0", Summary = "Handshakes with the server." });
    }

    static void Ping(CommandContext ctx)
    {
        if (ctx.ArgCount > 2) { ctx.Error(Errors.WrongArgs("ping")); return; }
        if (ctx.Client.Is(ClientFlags.PubSub) && ctx.Client.Protocol == 2)
        {
            // A RESP2 subscriber gets PING as a pub/sub-shaped message.
            ctx.Reply.ArrayHeader(2);
            ctx.Reply.Bulk("pong"u8);
            ctx.Reply.Bulk(ctx.ArgCount == 2 ? ctx.Arg(1) : ReadOnlySpan<byte>.Empty);
            return;
        }
        if (ctx.ArgCount == 1) ctx.Reply.WriteRaw("+PONG\r\n"u8);
        else ctx.Reply.Bulk(ctx.Arg(1));
    }

    static void Echo(CommandContext ctx) => ctx.Reply.Bulk(ctx.Arg(1));

    static void Quit(CommandContext ctx)
    {
        ctx.Reply.Ok();
        ctx.Client.Flags |= ClientFlags.CloseAfterReply;
    }

    static void Select(CommandContext ctx)
    {
        if (!Util.Numbers.TryParseStrictLong(ctx.Arg(1), out long index)) { ctx.Error(Errors.NotInteger); return; }
        if (index < 0 || index >= ctx.Keyspace.Databases.Length) { ctx.Error(Errors.DbIndexOutOfRange); return; }
        ctx.Client.Db = ctx.Keyspace[(int)index];
        ctx.Reply.Ok();
    }

    static void Auth(CommandContext ctx)
    {
        if (ctx.ArgCount > 3) { ctx.SyntaxError(); return; }
        string user = ctx.ArgCount == 3 ? ctx.ArgString(1) : "default";
        var password = ctx.Arg(ctx.ArgCount - 1);
        if (ctx.ArgCount == 2 && !ctx.Server.AuthRequired)
        {
            ctx.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
            return;
        }
        if (!CheckPassword(ctx, user, password)) { ctx.Error("WRONGPASS invalid username-password pair or user is disabled."); return; }
        ctx.Client.Authenticated = true;
        ctx.Client.User = user;
        ctx.Reply.Ok();
    }

    /// <summary>Only the default user exists until ACL lands: it takes requirepass (or anything when none is set).</summary>
    static bool CheckPassword(CommandContext ctx, string user, ReadOnlySpan<byte> password)
    {
        if (user != "default") return false;
        if (!ctx.Server.AuthRequired) return true;
        var expected = Encoding.UTF8.GetBytes(ctx.Server.Config.RequirePass ?? "");
        return CryptographicOperations.FixedTimeEquals(expected, password);
    }

    /// <summary>
    /// RESET (Redis's clearClientConnectionState): leaves MULTI and WATCH, pub/sub and MONITOR, back to
    /// RESP2, db 0, no name, CLIENT REPLY ON, no NO-EVICT, and authenticated only if no password is needed.
    /// </summary>
    static void Reset(CommandContext ctx)
    {
        var c = ctx.Client;
        var server = ctx.Server;
        server.Transactions.Discard(c);
        server.PubSub.RemoveClient(c);
        if (c.Is(ClientFlags.Monitor))
        {
            server.Clients.Monitors.Remove(c);
            c.Flags &= ~(ClientFlags.Monitor | ClientFlags.Replica);
        }
        c.Flags &= ~(ClientFlags.PubSub | ClientFlags.NoEvict | ClientFlags.ReadOnly);
        c.ReplyMode = ReplyMode.On;
        c.Db = ctx.Keyspace[0];
        c.Name = null;
        c.User = "default";
        c.Authenticated = !server.AuthRequired;
        c.Protocol = 2;
        ctx.Reply.SimpleString("RESET"u8);
    }

    static void Hello(CommandContext ctx)
    {
        int protocol = ctx.Client.Protocol;
        int next = 1;
        if (ctx.ArgCount >= 2)
        {
            if (!Util.Numbers.TryParseStrictLong(ctx.Arg(1), out long version))
            {
                ctx.Error("ERR Protocol version is not an integer or out of range");
                return;
            }
            if (version < 2 || version > 3) { ctx.Error("NOPROTO unsupported protocol version"); return; }
            protocol = (int)version;
            next = 2;
        }
        byte[]? name = null;
        for (int i = next; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "auth"u8) && ctx.ArgCount - i - 1 >= 2)
            {
                if (!CheckPassword(ctx, ctx.ArgString(i + 1), ctx.Arg(i + 2)))
                {
                    ctx.Error("WRONGPASS invalid username-password pair or user is disabled.");
                    return;
                }
                ctx.Client.Authenticated = true;
                ctx.Client.User = ctx.ArgString(i + 1);
                i += 2;
            }
            else if (ctx.ArgIs(i, "setname"u8) && ctx.ArgCount - i - 1 >= 1)
            {
                name = ctx.ArgBytes(i + 1);
                if (!ClientNames.IsValid(name)) { ctx.Error(ClientNames.InvalidError); return; }
                i += 1;
            }
            else
            {
                ctx.Error($"ERR Syntax error in HELLO option '{ctx.ArgString(i)}'");
                return;
            }
        }
        if (!ctx.Client.Authenticated)
        {
            ctx.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
            return;
        }
        if (name != null) ctx.Client.Name = name.Length == 0 ? null : name;
        ctx.Client.Protocol = protocol;
        var r = ctx.Reply;
        r.MapHeader(7);
        r.Bulk("server"u8); r.Bulk("redis"u8);
        r.Bulk("version"u8); r.Bulk(Server.Version);
        r.Bulk("proto"u8); r.Integer(protocol);
        r.Bulk("id"u8); r.Integer(ctx.Client.Id);
        r.Bulk("mode"u8); r.Bulk("standalone"u8);
        r.Bulk("role"u8); r.Bulk(ctx.Server.RoleName);
        r.Bulk("modules"u8); r.EmptyArray();
    }
}

/// <summary>Client names: no spaces, newlines or other special characters (Redis's rule).</summary>
public static class ClientNames
{
    public const string InvalidError = "ERR Client names cannot contain spaces, newlines or special characters.";

    public static bool IsValid(ReadOnlySpan<byte> name)
    {
        foreach (byte b in name) if (b < '!' || b > '~') return false;
        return true;
    }
}
