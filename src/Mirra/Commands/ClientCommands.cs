using System.Text;
using Mirra.Engine;
using Mirra.Networking;

namespace Mirra.Commands;

/// <summary>
/// CLIENT and its subcommands: LIST, INFO, KILL, SETNAME/GETNAME, ID, PAUSE/UNPAUSE, NO-EVICT,
/// REPLY, UNBLOCK, and the tracking queries answered as "tracking off" (client side caching is not
/// implemented: CLIENT TRACKING ON is refused).
/// </summary>
public static class ClientCommands
{
    public static void Register(CommandTable t)
    {
        const string plain = "noscript loading stale";
        const string admin = "admin noscript loading stale";
        const string allClients = "O(N) where N is the number of client connections";
        var client = new CommandSpec("client", -2, "", 0, 0, 0, null)
        {
            Group = "connection", Since = "2.4.0", Complexity = "Depends on subcommand.", Acl = "",
            Summary = "Groups the commands that inspect and manage client connections.",
        };
        t.Add(client);
        Sub(client, new CommandSpec("setname", 3, plain, 0, 0, 0, SetName) { Group = "connection", Since = "2.6.9", Summary = "Names the current connection." });
        Sub(client, new CommandSpec("getredir", 2, plain, 0, 0, 0, GetRedir) { Group = "connection", Since = "6.0.0", Summary = "Returns the client receiving this connection's tracking notifications (-1: none)." });
        Sub(client, new CommandSpec("reply", 3, plain, 0, 0, 0, Reply) { Group = "connection", Since = "3.2.0", Summary = "Turns the server's replies to this connection on or off, or skips the next one." });
        Sub(client, new CommandSpec("pause", -3, admin, 0, 0, 0, Pause) { Group = "connection", Since = "2.9.50", Summary = "Holds the commands of all clients (or only their writes) for some milliseconds." });
        Sub(client, new CommandSpec("getname", 2, plain, 0, 0, 0, GetName) { Group = "connection", Since = "2.6.9", Summary = "Returns the name of the current connection." });
        Sub(client, new CommandSpec("unpause", 2, admin, 0, 0, 0, Unpause) { Group = "connection", Since = "6.2.0", Complexity = "O(N) Where N is the number of paused clients", Summary = "Ends a CLIENT PAUSE early." });
        Sub(client, new CommandSpec("tracking", -3, plain, 0, 0, 0, Tracking) { Group = "connection", Since = "6.0.0", Complexity = "O(1). Some options may introduce additional complexity.", Summary = "Switches server assisted client side caching on or off." });
        Sub(client, new CommandSpec("kill", -3, admin, 0, 0, 0, Kill) { Group = "connection", Since = "2.4.0", Complexity = allClients, Summary = "Closes the connections matching an address or a set of filters." });
        Sub(client, new CommandSpec("help", 2, "loading stale", 0, 0, 0, Help) { Group = "connection", Since = "5.0.0", Summary = "Lists the CLIENT subcommands." });
        Sub(client, new CommandSpec("caching", 3, plain, 0, 0, 0, Caching) { Group = "connection", Since = "6.0.0", Summary = "Tells whether the keys of the next command are tracked (OPTIN/OPTOUT tracking)." });
        Sub(client, new CommandSpec("list", -2, admin, 0, 0, 0, List) { Group = "connection", Since = "2.4.0", Complexity = allClients, Tips = "nondeterministic_output", Summary = "Describes the connected clients, one line each." });
        Sub(client, new CommandSpec("unblock", -3, admin, 0, 0, 0, Unblock) { Group = "connection", Since = "5.0.0", Complexity = "O(log N) where N is the number of client connections", Summary = "Wakes a client blocked in a blocking command." });
        Sub(client, new CommandSpec("trackinginfo", 2, plain, 0, 0, 0, TrackingInfo) { Group = "connection", Since = "6.2.0", Summary = "Describes the client side caching state of the connection." });
        Sub(client, new CommandSpec("info", 2, plain, 0, 0, 0, Info) { Group = "connection", Since = "6.2.0", Tips = "nondeterministic_output", Summary = "Describes the current connection, like one line of CLIENT LIST." });
        Sub(client, new CommandSpec("id", 2, plain, 0, 0, 0, Id) { Group = "connection", Since = "5.0.0", Summary = "Returns the unique id of the current connection." });
        Sub(client, new CommandSpec("no-evict", 3, admin, 0, 0, 0, NoEvict) { Group = "connection", Since = "7.0.0", Summary = "Exempts the current connection from client eviction, or not." });
    }

    static void Sub(CommandSpec parent, CommandSpec sub) => parent.AddSubcommand(sub);


    // ---- LIST / INFO ----

    static void List(CommandContext ctx)
    {
        var registry = ctx.Server.Clients;
        var sb = new StringBuilder();
        if (ctx.ArgCount == 4 && ctx.ArgIs(2, "type"u8))
        {
            var type = ClientRegistry.TypeByName(ctx.ArgString(3));
            if (type == null) { ctx.Error($"ERR Unknown client type '{ctx.ArgString(3)}'"); return; }
            foreach (var c in registry.All)
                if (ClientRegistry.TypeOf(c) == type) AppendLine(ctx, sb, c);
        }
        else if (ctx.ArgCount > 3 && ctx.ArgIs(2, "id"u8))
        {
            // Listed in argument order, repeated ids repeated, unknown ids skipped.
            var ids = new long[ctx.ArgCount - 3];
            for (int i = 3; i < ctx.ArgCount; i++)
                if (!Util.Numbers.TryParseStrictLong(ctx.Arg(i), out ids[i - 3])) { ctx.Error("ERR Invalid client ID"); return; }
            foreach (long id in ids)
                if (registry.Find(id) is { } c) AppendLine(ctx, sb, c);
        }
        else if (ctx.ArgCount != 2)
        {
            ctx.SyntaxError();
            return;
        }
        else
        {
            foreach (var c in registry.All) AppendLine(ctx, sb, c);
        }
        ctx.Reply.Verbatim(sb.ToString());
    }

    static void Info(CommandContext ctx)
    {
        var sb = new StringBuilder();
        AppendLine(ctx, sb, ctx.Client);
        ctx.Reply.Verbatim(sb.ToString());
    }

    static void AppendLine(CommandContext ctx, StringBuilder sb, Client c)
    {
        if (c == ctx.Client)
        {
            // The running command counts in Redis's argv-mem and query buffer.
            int argvMem = 0, received = 1 + Digits(ctx.ArgCount) + 2;
            for (int i = 0; i < ctx.ArgCount; i++)
            {
                int len = ctx.Arg(i).Length;
                argvMem += len;
                received += 1 + Digits(len) + 2 + len + 2;
            }
            sb.Append(ctx.Server.Clients.Describe(c, argvMem, received));
        }
        else sb.Append(ctx.Server.Clients.Describe(c));
        sb.Append('\n');
    }

    static int Digits(int n) => n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n.ToString().Length;

    // ---- KILL ----

    /// <summary>
    /// CLIENT KILL addr:port (old form: +OK or "No such client", may kill the caller) or
    /// CLIENT KILL [ID id] [TYPE type] [ADDR addr] [LADDR addr] [USER name] [SKIPME yes|no] (number killed).
    /// The caller, when it matches, is closed after this reply.
    /// </summary>
    static void Kill(CommandContext ctx)
    {
        string? addr = null, laddr = null, user = null;
        ClientType? type = null;
        long id = 0;
        bool skipMe = true;
        bool oldForm = ctx.ArgCount == 3;
        if (oldForm)
        {
            addr = ctx.ArgString(2);
            skipMe = false;
        }
        else
        {
            for (int i = 2; i < ctx.ArgCount; i += 2)
            {
                bool more = i + 1 < ctx.ArgCount;
                if (!more) { ctx.SyntaxError(); return; }
                if (ctx.ArgIs(i, "id"u8))
                {
                    if (!Util.Numbers.TryParseStrictLong(ctx.Arg(i + 1), out id) || id < 1)
                    {
                        ctx.Error("ERR client-id should be greater than 0");
                        return;
                    }
                }
                else if (ctx.ArgIs(i, "type"u8))
                {
                    type = ClientRegistry.TypeByName(ctx.ArgString(i + 1));
                    if (type == null) { ctx.Error($"ERR Unknown client type '{ctx.ArgString(i + 1)}'"); return; }
                }
                else if (ctx.ArgIs(i, "addr"u8)) addr = ctx.ArgString(i + 1);
                else if (ctx.ArgIs(i, "laddr"u8)) laddr = ctx.ArgString(i + 1);
                else if (ctx.ArgIs(i, "user"u8))
                {
                    user = ctx.ArgString(i + 1);
                    if (user != "default") { ctx.Error($"ERR No such user '{user}'"); return; }
                }
                else if (ctx.ArgIs(i, "skipme"u8))
                {
                    if (ctx.ArgIs(i + 1, "yes"u8)) skipMe = true;
                    else if (ctx.ArgIs(i + 1, "no"u8)) skipMe = false;
                    else { ctx.SyntaxError(); return; }
                }
                else { ctx.SyntaxError(); return; }
            }
        }

        var registry = ctx.Server.Clients;
        var victims = new List<Client>();
        bool closeSelf = false;
        foreach (var c in registry.All)
        {
            if (addr != null && ClientRegistry.PeerId(c) != addr) continue;
            if (laddr != null && ClientRegistry.SockName(c) != laddr) continue;
            if (type != null && ClientRegistry.TypeOf(c) != type) continue;
            if (id != 0 && c.Id != id) continue;
            if (user != null && c.User != user) continue;
            if (c == ctx.Client)
            {
                if (skipMe) continue;
                closeSelf = true;
            }
            else victims.Add(c);
        }
        foreach (var c in victims) registry.Kill(c);
        int killed = victims.Count + (closeSelf ? 1 : 0);
        if (oldForm)
        {
            if (killed == 0) ctx.Error("ERR No such client");
            else ctx.Reply.Ok();
        }
        else ctx.Reply.Integer(killed);
        if (closeSelf) ctx.Client.Flags |= ClientFlags.CloseAfterReply;
    }

    // ---- Names and ids ----

    static void SetName(CommandContext ctx)
    {
        var name = ctx.Arg(2);
        if (!ClientNames.IsValid(name)) { ctx.Error(ClientNames.InvalidError); return; }
        ctx.Client.Name = name.Length == 0 ? null : name.ToArray();
        ctx.Reply.Ok();
    }

    static void GetName(CommandContext ctx)
    {
        if (ctx.Client.Name == null) ctx.Reply.Null();
        else ctx.Reply.Bulk(ctx.Client.Name);
    }

    static void Id(CommandContext ctx) => ctx.Reply.Integer(ctx.Client.Id);

    // ---- PAUSE / UNPAUSE ----

    /// <summary>CLIENT PAUSE timeout [WRITE|ALL]: the mode is checked before the timeout, as in Redis.</summary>
    static void Pause(CommandContext ctx)
    {
        if (ctx.ArgCount > 4) { HelpReply.SubcommandSyntaxError(ctx); return; }
        var type = PauseType.All;
        if (ctx.ArgCount == 4)
        {
            if (ctx.ArgIs(3, "write"u8)) type = PauseType.Write;
            else if (ctx.ArgIs(3, "all"u8)) type = PauseType.All;
            else { ctx.Error("ERR CLIENT PAUSE mode must be WRITE or ALL"); return; }
        }
        if (!Util.Numbers.TryParseStrictLong(ctx.Arg(2), out long timeout))
        {
            ctx.Error("ERR timeout is not an integer or out of range");
            return;
        }
        if (timeout < 0) { ctx.Error("ERR timeout is negative"); return; }
        // Like Redis 7.0, a huge timeout wraps around and pauses nothing.
        long end = timeout > 0 ? unchecked(ctx.Server.Clock.NowMs() + timeout) : 0;
        ctx.Server.Clients.Pause(type, end);
        ctx.Reply.Ok();
    }

    static void Unpause(CommandContext ctx)
    {
        ctx.Server.Clients.Unpause();
        ctx.Reply.Ok();
    }

    // ---- NO-EVICT / REPLY ----

    static void NoEvict(CommandContext ctx)
    {
        if (ctx.ArgIs(2, "on"u8)) ctx.Client.Flags |= ClientFlags.NoEvict;
        else if (ctx.ArgIs(2, "off"u8)) ctx.Client.Flags &= ~ClientFlags.NoEvict;
        else { ctx.SyntaxError(); return; }
        ctx.Reply.Ok();
    }

    /// <summary>CLIENT REPLY ON (replies +OK) | OFF | SKIP (no reply): the dispatcher drops the replies.</summary>
    static void Reply(CommandContext ctx)
    {
        var c = ctx.Client;
        if (ctx.ArgIs(2, "on"u8))
        {
            c.ReplyMode = ReplyMode.On;
            ctx.Reply.Ok();
        }
        else if (ctx.ArgIs(2, "off"u8)) c.ReplyMode = ReplyMode.Off;
        else if (ctx.ArgIs(2, "skip"u8))
        {
            if (c.ReplyMode != ReplyMode.Off) c.ReplyMode = ReplyMode.SkipNext;
        }
        else ctx.SyntaxError();
    }

    // ---- UNBLOCK ----

    static void Unblock(CommandContext ctx)
    {
        if (ctx.ArgCount > 4) { HelpReply.SubcommandSyntaxError(ctx); return; }
        if (!ctx.TryGetLong(2, out long id)) return;
        bool error = false;
        if (ctx.ArgCount == 4)
        {
            if (ctx.ArgIs(3, "timeout"u8)) error = false;
            else if (ctx.ArgIs(3, "error"u8)) error = true;
            else { ctx.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"); return; }
        }
        var registry = ctx.Server.Clients;
        var target = registry.Find(id);
        bool unblocked = target != null && registry.UnblockHandler != null && registry.UnblockHandler(target, error);
        ctx.Reply.Integer(unblocked ? 1 : 0);
    }

    // ---- Tracking: not implemented, so always "off" ----

    static void Tracking(CommandContext ctx)
    {
        if (ctx.ArgIs(2, "off"u8)) { ctx.Reply.Ok(); return; }
        if (!ctx.ArgIs(2, "on"u8)) { ctx.SyntaxError(); return; }
        ctx.Error("ERR client side caching (CLIENT TRACKING ON) is not supported by this server yet");
    }

    static void GetRedir(CommandContext ctx) => ctx.Reply.Integer(-1);

    static void TrackingInfo(CommandContext ctx)
    {
        var r = ctx.Reply;
        r.MapHeader(3);
        r.Bulk("flags"u8);
        r.SetHeader(1);
        r.Bulk("off"u8);
        r.Bulk("redirect"u8);
        r.Integer(-1);
        r.Bulk("prefixes"u8);
        r.EmptyArray();
    }

    static void Caching(CommandContext ctx) =>
        ctx.Error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");

    // ---- HELP ----

    static readonly string[] HelpLines =
    {
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
    };

    static void Help(CommandContext ctx) => HelpReply.Write(ctx, "CLIENT", HelpLines);
}
