using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>
/// The shape of every "&lt;COMMAND&gt; HELP" reply in Redis: an array of status lines, a first line naming
/// the command, the given lines, and a closing HELP entry.
/// </summary>
public static class HelpReply
{
    public static void Write(CommandContext ctx, string command, IReadOnlyList<string> lines)
    {
        var r = ctx.Reply;
        r.ArrayHeader(lines.Count + 3);
        r.SimpleString($"{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        foreach (var line in lines) r.SimpleString(line);
        r.SimpleString("HELP");
        r.SimpleString("    Prints this help.");
    }

    /// <summary>Redis's reply to a subcommand it does not know or that got the wrong number of arguments.</summary>
    public static void SubcommandSyntaxError(CommandContext ctx)
    {
        var sub = ctx.Arg(1);
        string name = System.Text.Encoding.UTF8.GetString(sub.Length > 128 ? sub[..128] : sub);
        ctx.Error($"ERR unknown subcommand or wrong number of arguments for '{name}'. Try {ctx.ArgString(0).ToUpperInvariant()} HELP.");
    }
}
