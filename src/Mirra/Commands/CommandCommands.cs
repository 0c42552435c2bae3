using System.Text;
using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>
/// COMMAND and its subcommands: the command table as Redis 7.0 describes it (COMMAND, INFO, COUNT,
/// LIST FILTERBY, DOCS), and key extraction (GETKEYS, GETKEYSANDFLAGS) through the key specs.
/// COMMAND DOCS reports summary, since, group and complexity (and the subcommands' docs): argument
/// descriptions, history and doc flags are not modelled, so those fields are absent.
/// </summary>
public static class CommandCommands
{
    public static void Register(CommandTable t)
    {
        const string flags = "loading stale";
        var command = new CommandSpec("command", -1, flags, 0, 0, 0, All)
        {
            Group = "server", Since = "2.8.13", Complexity = "O(N) where N is the total number of Redis commands",
            Acl = "connection", Tips = "nondeterministic_output_order",
            Summary = "Describes every command of the server.",
        };
        t.Add(command);
        void Sub(CommandSpec sub) => command.AddSubcommand(sub);
        Sub(new CommandSpec("count", 2, flags, 0, 0, 0, Count) { Group = "server", Acl = "connection", Since = "2.8.13", Summary = "Returns how many commands the server has." });
        Sub(new CommandSpec("docs", -2, flags, 0, 0, 0, Docs)
        {
            Group = "server", Acl = "connection", Since = "7.0.0", Tips = "nondeterministic_output_order",
            Complexity = "O(N) where N is the number of commands to look up", Summary = "Returns the documentation of some commands, or of all of them.",
        });
        Sub(new CommandSpec("list", -2, flags, 0, 0, 0, List)
        {
            Group = "server", Acl = "connection", Since = "7.0.0", Tips = "nondeterministic_output_order",
            Complexity = "O(N) where N is the total number of Redis commands", Summary = "Lists the command names, optionally filtered by ACL category or pattern.",
        });
        Sub(new CommandSpec("help", 2, flags, 0, 0, 0, Help) { Group = "server", Acl = "connection", Since = "5.0.0", Summary = "Lists the COMMAND subcommands." });
        Sub(new CommandSpec("info", -2, flags, 0, 0, 0, Info)
        {
            Group = "server", Acl = "connection", Since = "2.8.13", Tips = "nondeterministic_output_order",
            Complexity = "O(N) where N is the number of commands to look up", Summary = "Describes some commands, or all of them.",
        });
        Sub(new CommandSpec("getkeys", -4, flags, 0, 0, 0, GetKeys)
        {
            Group = "server", Acl = "connection", Since = "2.8.13",
            Complexity = "O(N) where N is the number of arguments to the command", Summary = "Extracts the key names from a full command.",
        });
        Sub(new CommandSpec("getkeysandflags", -4, flags, 0, 0, 0, GetKeysAndFlags)
        {
            Group = "server", Acl = "connection", Since = "7.0.0",
            Complexity = "O(N) where N is the number of arguments to the command", Summary = "Extracts the key names from a full command, with how the command uses each.",
        });
    }

    /// <summary>A command by its full name: "get", or "config|get" for a subcommand (any case).</summary>
    public static CommandSpec? FindByFullName(CommandTable table, string fullName)
    {
        var parts = fullName.Split('|');
        if (parts.Length > 2 || parts[0].Length == 0) return null;
        var command = table.Find(parts[0]);
        if (command == null || parts.Length == 1) return command;
        return command.Subcommands?.GetValueOrDefault(parts[1]);
    }

    // ---- COMMAND, COMMAND INFO, COMMAND COUNT ----

    static void All(CommandContext ctx)
    {
        var commands = ctx.Server.Commands.All;
        ctx.Reply.ArrayHeader(commands.Count);
        foreach (var c in commands) WriteInfo(ctx, c);
    }

    static void Info(CommandContext ctx)
    {
        if (ctx.ArgCount == 2) { All(ctx); return; }
        ctx.Reply.ArrayHeader(ctx.ArgCount - 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            var c = FindByFullName(ctx.Server.Commands, ctx.ArgString(i));
            if (c == null) ctx.Reply.Null();
            else WriteInfo(ctx, c);
        }
    }

    static void Count(CommandContext ctx) => ctx.Reply.Integer(ctx.Server.Commands.All.Count);

    /// <summary>
    /// Redis 7.0's 10-element description: name, arity, flags, first key, last key, step, ACL categories,
    /// tips, key specs, subcommands (the sets are RESP3 sets).
    /// </summary>
    static void WriteInfo(CommandContext ctx, CommandSpec c)
    {
        var r = ctx.Reply;
        r.ArrayHeader(10);
        r.Bulk(c.FullName);
        r.Integer(c.Arity);
        var flags = CommandSpec.FlagNames(c.Flags & ~HiddenFlags).ToList();
        r.SetHeader(flags.Count);
        foreach (var f in flags) r.SimpleString(f);
        r.Integer(c.FirstKey);
        r.Integer(c.LastKey);
        r.Integer(c.KeyStep);
        var categories = c.AclCategories().ToList();
        r.SetHeader(categories.Count);
        foreach (var cat in categories) r.SimpleString(cat);
        var tips = Words(c.Tips);
        r.SetHeader(tips.Length);
        foreach (var tip in tips) r.Bulk(tip);
        var specs = c.GetKeySpecs();
        r.SetHeader(specs.Length);
        foreach (var spec in specs) WriteKeySpec(ctx, spec);
        var subs = c.Subcommands;
        r.SetHeader(subs?.Count ?? 0);
        if (subs != null) foreach (var sub in subs.Values) WriteInfo(ctx, sub);
    }

    /// <summary>Flags Redis keeps out of COMMAND INFO on purpose.</summary>
    const CommandFlags HiddenFlags = CommandFlags.MayReplicate | CommandFlags.Sentinel | CommandFlags.OnlySentinel | CommandFlags.Protected;

    static string[] Words(string? s) => string.IsNullOrEmpty(s) ? [] : s.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    static void WriteKeySpec(CommandContext ctx, KeySpec spec)
    {
        var r = ctx.Reply;
        r.MapHeader(spec.Notes != null ? 4 : 3);
        if (spec.Notes != null) { r.Bulk("notes"u8); r.Bulk(spec.Notes); }
        r.Bulk("flags"u8);
        WriteFlagSet(ctx, spec.Flags);
        r.Bulk("begin_search"u8);
        r.MapHeader(2);
        r.Bulk("type"u8);
        if (spec.Begin == KeySpec.BeginKind.Index)
        {
            r.Bulk("index"u8);
            r.Bulk("spec"u8);
            r.MapHeader(1);
            r.Bulk("index"u8); r.Integer(spec.Index);
        }
        else
        {
            r.Bulk("keyword"u8);
            r.Bulk("spec"u8);
            r.MapHeader(2);
            r.Bulk("keyword"u8); r.Bulk(spec.Keyword!);
            r.Bulk("startfrom"u8); r.Integer(spec.StartFrom);
        }
        r.Bulk("find_keys"u8);
        r.MapHeader(2);
        r.Bulk("type"u8);
        if (spec.Find == KeySpec.FindKind.Range)
        {
            r.Bulk("range"u8);
            r.Bulk("spec"u8);
            r.MapHeader(3);
            r.Bulk("lastkey"u8); r.Integer(spec.LastKey);
            r.Bulk("keystep"u8); r.Integer(spec.KeyStep);
            r.Bulk("limit"u8); r.Integer(spec.Limit);
        }
        else
        {
            r.Bulk("keynum"u8);
            r.Bulk("spec"u8);
            r.MapHeader(3);
            r.Bulk("keynumidx"u8); r.Integer(spec.KeyNumIndex);
            r.Bulk("firstkey"u8); r.Integer(spec.FirstKey);
            r.Bulk("keystep"u8); r.Integer(spec.KeyStep);
        }
    }

    static void WriteFlagSet(CommandContext ctx, string[] flags)
    {
        ctx.Reply.SetHeader(flags.Length);
        foreach (var f in flags) ctx.Reply.SimpleString(f);
    }

    // ---- COMMAND DOCS ----

    static void Docs(CommandContext ctx)
    {
        var r = ctx.Reply;
        if (ctx.ArgCount == 2)
        {
            var all = ctx.Server.Commands.All;
            r.MapHeader(all.Count);
            foreach (var c in all) { r.Bulk(c.FullName); WriteDocs(ctx, c); }
            return;
        }
        int mark = r.BeginDeferred();
        int found = 0;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            var c = FindByFullName(ctx.Server.Commands, ctx.ArgString(i));
            if (c == null) continue;
            r.Bulk(c.FullName);
            WriteDocs(ctx, c);
            found++;
        }
        r.EndDeferredMap(mark, found);
    }

    static void WriteDocs(CommandContext ctx, CommandSpec c)
    {
        var r = ctx.Reply;
        bool complexity = c.Complexity.Length > 0;
        bool subs = c.Subcommands is { Count: > 0 };
        r.MapHeader(3 + (complexity ? 1 : 0) + (subs ? 1 : 0));
        r.Bulk("summary"u8); r.Bulk(c.Summary);
        r.Bulk("since"u8); r.Bulk(c.Since);
        r.Bulk("group"u8); r.Bulk(c.Group);
        if (complexity) { r.Bulk("complexity"u8); r.Bulk(c.Complexity); }
        if (subs)
        {
            r.Bulk("subcommands"u8);
            r.MapHeader(c.Subcommands!.Count);
            foreach (var sub in c.Subcommands.Values) { r.Bulk(sub.FullName); WriteDocs(ctx, sub); }
        }
    }

    // ---- COMMAND LIST [FILTERBY MODULE m | ACLCAT c | PATTERN p] ----

    static void List(CommandContext ctx)
    {
        string? filterType = null, filterArg = null;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            int more = ctx.ArgCount - 1 - i;
            if (ctx.ArgIs(i, "filterby"u8) && more == 2)
            {
                if (ctx.ArgIs(i + 1, "module"u8)) filterType = "module";
                else if (ctx.ArgIs(i + 1, "aclcat"u8)) filterType = "aclcat";
                else if (ctx.ArgIs(i + 1, "pattern"u8)) filterType = "pattern";
                else { ctx.SyntaxError(); return; }
                filterArg = ctx.ArgString(i + 2);
                i += 2;
            }
            else { ctx.SyntaxError(); return; }
        }
        int mark = ctx.Reply.BeginDeferred();
        int count = 0;
        foreach (var c in ctx.Server.Commands.All) ListWithFilter(ctx, c, filterType, filterArg, ref count);
        ctx.Reply.EndDeferredArray(mark, count);
    }

    static void ListWithFilter(CommandContext ctx, CommandSpec c, string? type, string? arg, ref int count)
    {
        bool keep = type switch
        {
            null => true,
            "module" => false, // no modules
            "aclcat" => c.AclCategories().Any(cat => string.Equals(cat[1..], arg, StringComparison.OrdinalIgnoreCase)),
            _ => GlobMatch(arg!, c.FullName),
        };
        if (keep)
        {
            ctx.Reply.Bulk(c.FullName);
            count++;
        }
        if (c.Subcommands != null)
            foreach (var sub in c.Subcommands.Values) ListWithFilter(ctx, sub, type, arg, ref count);
    }

    /// <summary>COMMAND LIST's pattern: Redis's glob, without case.</summary>
    internal static bool GlobMatch(string pattern, string name) => Util.Glob.Match(pattern, name, ignoreCase: true);

    // ---- COMMAND GETKEYS / GETKEYSANDFLAGS ----

    static void GetKeys(CommandContext ctx) => GetKeysImpl(ctx, withFlags: false);
    static void GetKeysAndFlags(CommandContext ctx) => GetKeysImpl(ctx, withFlags: true);

    static void GetKeysImpl(CommandContext ctx, bool withFlags)
    {
        int argc = ctx.ArgCount - 2;
        var command = ctx.Server.Commands.Find(ctx.Arg(2));
        if (command?.Subcommands != null && argc >= 2)
            command = command.Subcommands.GetValueOrDefault(ctx.ArgString(3));
        if (command == null) { ctx.Error("ERR Invalid command specified"); return; }
        if (!command.HasKeys) { ctx.Error("ERR The command has no key arguments"); return; }
        if ((command.Arity > 0 && command.Arity != argc) || argc < -command.Arity)
        {
            ctx.Error("ERR Invalid number of arguments specified for command");
            return;
        }
        var keys = new List<(int Position, KeySpec Spec)>();
        bool ok = KeySpec.TryFindKeys(command, argc, i => ctx.Arg(i + 2), keys);
        if (!ok || keys.Count == 0)
        {
            if (command.Has(CommandFlags.NoMandatoryKeys)) ctx.Reply.EmptyArray();
            else ctx.Error("ERR Invalid arguments specified for command");
            return;
        }
        ctx.Reply.ArrayHeader(keys.Count);
        foreach (var (position, spec) in keys)
        {
            if (withFlags)
            {
                ctx.Reply.ArrayHeader(2);
                ctx.Reply.Bulk(ctx.Arg(position + 2));
                WriteFlagSet(ctx, spec.Flags);
            }
            else ctx.Reply.Bulk(ctx.Arg(position + 2));
        }
    }

    // ---- HELP ----

    static readonly string[] HelpLines =
    {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
    };

    static void Help(CommandContext ctx) => HelpReply.Write(ctx, "COMMAND", HelpLines);
}
