using System.Text;
using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>
/// MONITOR: the client then receives every command the server runs, as
/// <c>+1339518083.107412 [0 127.0.0.1:60866] "keys" "*"</c>. Like Redis, a monitor is flagged as a
/// replica (never paused, never timed out, no keyspace access), admin and skip_monitor commands are
/// not shown, and passwords (AUTH, HELLO AUTH, MIGRATE AUTH/AUTH2) are shown as "(redacted)".
/// </summary>
public static class MonitorCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("monitor", 1, "admin noscript loading stale", 0, 0, 0, Monitor)
        {
            Group = "server", Since = "1.0.0", Complexity = "",
            Summary = "Streams every command the server runs, as it runs it.",
        });
    }

    static void Monitor(CommandContext ctx)
    {
        var client = ctx.Client;
        // Redis ignores MONITOR (without a reply) from a replica or a client already monitoring.
        if (client.Is(ClientFlags.Replica)) return;
        client.Flags |= ClientFlags.Replica | ClientFlags.Monitor;
        ctx.Server.Clients.Monitors.Add(client);
        ctx.Reply.Ok();
    }

    static readonly byte[] Redacted = "(redacted)"u8.ToArray();

    /// <summary>Sends the command just run (as received) to every monitor. Called by the dispatcher after the command.</summary>
    public static void Feed(CommandContext ctx)
    {
        var monitors = ctx.Server.Clients.Monitors;
        var line = Format(ctx, DateTime.UtcNow);
        var executor = ctx.Server.Executor;
        foreach (var m in monitors)
        {
            if (m.Closed || m.ReplyMode is ReplyMode.Off or ReplyMode.Skip && m != ctx.Client) continue;
            m.Reply.WriteRaw(line);
            if (m != ctx.Client) executor.NeedFlush(m);
        }
    }

    /// <summary>The monitor line of the command in <paramref name="ctx"/>: time, [db client], each argument quoted.</summary>
    public static byte[] Format(CommandContext ctx, DateTime utcNow)
    {
        var c = ctx.Client;
        var sb = new List<byte>(64 + ctx.ArgCount * 16);
        long ticks = utcNow.Ticks - DateTime.UnixEpoch.Ticks;
        long seconds = ticks / TimeSpan.TicksPerSecond;
        long micros = ticks % TimeSpan.TicksPerSecond / 10;
        Append(sb, $"+{seconds}.{micros:D6} [{c.Db.Index} ");
        var t = c.Transport;
        if (t == null) Append(sb, "lua");
        else if (t.IsUnixSocket) Append(sb, "unix:" + ctx.Server.Config.UnixSocket);
        else Append(sb, t.RemoteAddress);
        Append(sb, "] ");
        ulong redact = RedactedArguments(ctx);
        for (int i = 0; i < ctx.ArgCount; i++)
        {
            if (i > 0) sb.Add((byte)' ');
            AppendQuoted(sb, i < 64 && (redact & (1UL << i)) != 0 ? Redacted : ctx.Arg(i));
        }
        sb.Add((byte)'\r');
        sb.Add((byte)'\n');
        return sb.ToArray();
    }

    static void Append(List<byte> sb, string s)
    {
        foreach (char ch in s) sb.Add((byte)ch);
    }

    /// <summary>Redis's sdscatrepr: "..." with \\ \" \n \r \t \a \b escaped, printable ASCII as is, other bytes as \xhh.</summary>
    public static void AppendQuoted(List<byte> sb, ReadOnlySpan<byte> arg)
    {
        sb.Add((byte)'"');
        foreach (byte b in arg)
        {
            switch (b)
            {
                case (byte)'\\': sb.Add((byte)'\\'); sb.Add((byte)'\\'); break;
                case (byte)'"': sb.Add((byte)'\\'); sb.Add((byte)'"'); break;
                case (byte)'\n': sb.Add((byte)'\\'); sb.Add((byte)'n'); break;
                case (byte)'\r': sb.Add((byte)'\\'); sb.Add((byte)'r'); break;
                case (byte)'\t': sb.Add((byte)'\\'); sb.Add((byte)'t'); break;
                case 7: sb.Add((byte)'\\'); sb.Add((byte)'a'); break;
                case 8: sb.Add((byte)'\\'); sb.Add((byte)'b'); break;
                default:
                    if (b >= 0x20 && b <= 0x7e) sb.Add(b);
                    else
                    {
                        sb.Add((byte)'\\'); sb.Add((byte)'x');
                        sb.Add(Hex[b >> 4]); sb.Add(Hex[b & 15]);
                    }
                    break;
            }
        }
        sb.Add((byte)'"');
    }

    static readonly byte[] Hex = "0123456789abcdef"u8.ToArray();

    /// <summary>
    /// Which arguments Redis replaces by "(redacted)" before monitors see them (bit i = argument i): the
    /// commands redact while parsing, so arguments after a syntax error stay in clear, as in Redis.
    /// </summary>
    static ulong RedactedArguments(CommandContext ctx)
    {
        int argc = ctx.ArgCount;
        ulong mask = 0;
        if (ctx.ArgIs(0, "auth"u8))
        {
            if (argc <= 3) for (int i = 1; i < argc; i++) mask |= 1UL << i;
        }
        else if (ctx.ArgIs(0, "hello"u8) && argc >= 2)
        {
            if (!Util.Numbers.TryParseStrictLong(ctx.Arg(1), out long ver) || ver < 2 || ver > 3) return 0;
            for (int j = 2; j < argc && j < 62; j++)
            {
                int more = argc - j - 1;
                if (ctx.ArgIs(j, "auth"u8) && more >= 2) { mask |= (1UL << (j + 1)) | (1UL << (j + 2)); j += 2; }
                else if (ctx.ArgIs(j, "setname"u8) && more >= 1) j++;
                else break;
            }
        }
        else if (ctx.ArgIs(0, "migrate"u8))
        {
            for (int j = 6; j < argc && j < 62; j++)
            {
                int more = argc - j - 1;
                if (ctx.ArgIs(j, "copy"u8) || ctx.ArgIs(j, "replace"u8)) continue;
                if (ctx.ArgIs(j, "auth"u8)) { if (more < 1) break; mask |= 1UL << ++j; }
                else if (ctx.ArgIs(j, "auth2"u8)) { if (more < 2) break; mask |= 1UL << ++j; mask |= 1UL << ++j; }
                else break;
            }
        }
        return mask;
    }
}
