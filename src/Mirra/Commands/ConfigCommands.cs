using System.Text;
using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>CONFIG GET | SET | REWRITE | RESETSTAT | HELP, over the directive registry.</summary>
public static class ConfigCommands
{
    public static void Register(CommandTable t)
    {
        var config = t.Find("config") ?? t.Add(new CommandSpec("config", -2, "", 0, 0, 0, null)
        { Group = "server", Since = "2.0.0", Summary = "A container for server configuration commands.", Complexity = "Depends on subcommand." });
        config.AddSubcommand(new CommandSpec("get", -3, "admin noscript loading stale", 0, 0, 0, Get)
        { Group = "server", Since = "2.0.0", Summary = "Returns the effective values of configuration parameters.", Complexity = "O(N) when N is the number of configuration parameters provided" });
        config.AddSubcommand(new CommandSpec("set", -4, "admin noscript loading stale", 0, 0, 0, Set)
        { Group = "server", Since = "2.0.0", Tips = "request_policy:all_nodes response_policy:all_succeeded", Summary = "Sets configuration parameters in-flight.", Complexity = "O(N) when N is the number of configuration parameters provided" });
        config.AddSubcommand(new CommandSpec("rewrite", 2, "admin noscript loading stale", 0, 0, 0, Rewrite)
        { Group = "server", Since = "2.8.0", Summary = "Persists the effective configuration to file." });
        config.AddSubcommand(new CommandSpec("help", 2, "loading stale", 0, 0, 0, Help)
        { Group = "server", Since = "5.0.0", Summary = "Returns helpful text about the different subcommands." });
    }

    // Directive names and values are bytes; the registry works on one char per byte.
    static string Latin1(CommandContext ctx, int i) => Encoding.Latin1.GetString(ctx.Arg(i));

    static void Get(CommandContext ctx)
    {
        var patterns = new List<string>();
        for (int i = 2; i < ctx.ArgCount; i++) patterns.Add(Latin1(ctx, i));
        var pairs = ctx.Server.ConfigRegistry.Get(patterns);
        ctx.Reply.MapHeader(pairs.Count);
        foreach (var (name, value) in pairs)
        {
            ctx.Reply.Bulk(Encoding.Latin1.GetBytes(name));
            ctx.Reply.Bulk(Encoding.Latin1.GetBytes(value));
        }
    }

    static void Set(CommandContext ctx)
    {
        var args = new List<string>();
        for (int i = 2; i < ctx.ArgCount; i++) args.Add(Latin1(ctx, i));
        string? error = ctx.Server.ConfigRegistry.Set(args, IsLocal(ctx.Client));
        if (error != null) { ctx.Error(error); return; }
        ctx.Reply.Ok();
    }

    static void Rewrite(CommandContext ctx)
    {
        string? error = ctx.Server.ConfigRegistry.Rewrite();
        if (error != null)
        {
            ctx.Server.Log.Warning($"CONFIG REWRITE failed: {error}");
            ctx.Error(error.StartsWith("ERR ") ? error : "ERR Rewriting config file: " + error);
            return;
        }
        ctx.Server.Log.Warning("CONFIG REWRITE executed with success."); // '#' like Redis: operators and Sentinel setups watch for it
        ctx.Reply.Ok();
    }

    static void Help(CommandContext ctx) => HelpReply.Write(ctx, "CONFIG", new[]
    {
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
    });

    /// <summary>A loopback or unix-socket client (what enable-*-command "local" allows), or an internal one.</summary>
    public static bool IsLocal(Client c)
    {
        var t = c.Transport;
        if (t == null || t.IsUnixSocket) return true;
        return t.RemoteAddress.StartsWith("127.", StringComparison.Ordinal) || t.RemoteAddress.StartsWith("::1:", StringComparison.Ordinal);
    }
}
