using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Mirra.Engine;
using Mirra.Observability;
using Mirra.Storage;

namespace Mirra.Commands;

/// <summary>
/// DEBUG: test and diagnostic hooks (SLEEP, SET-ACTIVE-EXPIRE, OBJECT, POPULATE, PROTOCOL, ...).
/// Protected like in Redis: refused unless enable-debug-command is "yes" (or "local" for local
/// connections). Other families can add their own subcommands (RELOAD, DIGEST...) with <see cref="Add"/>.
/// </summary>
public static class DebugCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("debug", -2, "admin noscript loading stale protected", 0, 0, 0, Debug)
        { Group = "server", Summary = "A container for debugging commands.", Complexity = "Depends on subcommand." });
    }

    sealed record Subcommand(int MinArgs, int MaxArgs, CommandHandler Handler);

    static readonly ConcurrentDictionary<string, Subcommand> Subcommands = new(StringComparer.OrdinalIgnoreCase)
    {
        ["help"] = new(2, 2, Help),
        ["sleep"] = new(3, 3, Sleep),
        ["set-active-expire"] = new(3, 3, SetActiveExpire),
        ["object"] = new(3, 3, ObjectInfo),
        ["populate"] = new(3, 5, Populate),
        ["protocol"] = new(3, 3, Protocol),
        ["log"] = new(3, 3, LogMessage),
        ["error"] = new(3, 3, ErrorReply),
        ["change-repl-id"] = new(2, 2, ChangeReplId),
        ["reload"] = new(2, 5, Reload),
    };

    /// <summary>
    /// Adds (or replaces) a DEBUG subcommand. <paramref name="minArgs"/> and <paramref name="maxArgs"/>
    /// count the whole command line ("DEBUG RELOAD" = 2). Outside these bounds Redis's syntax error is replied.
    /// </summary>
    public static void Add(string name, int minArgs, int maxArgs, CommandHandler handler) => Subcommands[name] = new(minArgs, maxArgs, handler);

    static void Debug(CommandContext ctx)
    {
        if (!Subcommands.TryGetValue(ctx.ArgString(1), out var sub) || ctx.ArgCount < sub.MinArgs || ctx.ArgCount > sub.MaxArgs)
        {
            HelpReply.SubcommandSyntaxError(ctx);
            return;
        }
        sub.Handler(ctx);
    }

    static readonly string[] HelpLines =
    {
        "AOF-FLUSH-SLEEP <microsec>",
        "    Server will sleep before flushing the AOF, this is used for testing.",
        "ASSERT",
        "    Crash by assertion failed.",
        "CHANGE-REPL-ID",
        "    Change the replication IDs of the instance.",
        "    Dangerous: should be used only for testing the replication subsystem.",
        "CONFIG-REWRITE-FORCE-ALL",
        "    Like CONFIG REWRITE but writes all configuration options, including",
        "    keywords not listed in original configuration file or default values.",
        "CRASH-AND-RECOVER [<milliseconds>]",
        "    Hard crash and restart after a <milliseconds> delay (default 0).",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "ERROR <string>",
        "    Return a Redis protocol error with <string> as message. Useful for clients",
        "    unit tests to simulate Redis errors.",
        "LEAK <string>",
        "    Create a memory leak of the input string.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "HTSTATS <dbid>",
        "    Return hash table statistics of the specified Redis database.",
        "HTSTATS-KEY <key>",
        "    Like HTSTATS but for the hash table stored at <key>'s value.",
        "LOADAOF",
        "    Flush the AOF buffers on disk and reload the AOF in memory.",
        "REPLICATE <string>",
        "    Replicates the provided string to replicas, allowing data divergence.",
        "MALLCTL <key> [<val>]",
        "    Get or set a malloc tuning integer.",
        "MALLCTL-STR <key> [<val>]",
        "    Get or set a malloc tuning string.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "DROP-CLUSTER-PACKET-FILTER <packet-type>",
        "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
        "OOM",
        "    Crash the server simulating an out-of-memory error.",
        "PANIC",
        "    Crash the server simulating a panic.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>. If <prefix> is specified then",
        "    it is used instead of the 'key' prefix. These are not propagated to",
        "    replicas. Cluster slots are not respected so keys not belonging to the",
        "    current node can be created in cluster mode.",
        "PROTOCOL <type>",
        "    Reply with a test value of the specified type. <type> can be: string,",
        "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
        "    true, false.",
        "RELOAD [option ...]",
        "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
        "    * MERGE: conflicting keys will be loaded from RDB.",
        "    * NOFLUSH: the existing database will not be removed before load, but",
        "      conflicting keys will generate an exception and kill the server.",
        "    * NOSAVE: the database will be loaded from an existing RDB file.",
        "    Examples:",
        "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
        "      the database.",
        "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
        "      existing RDB file.",
        "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
        "      file to the database.",
        "RESTART [<milliseconds>]",
        "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
        "SDSLEN <key>",
        "    Show low level SDS string info representing `key` and value.",
        "SEGFAULT",
        "    Crash the server with sigsegv.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "QUICKLIST-PACKED-THRESHOLD <size>",
        "    Sets the threshold for elements to be inserted as plain vs packed nodes",
        "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
        "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
        "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        "STRINGMATCH-TEST",
        "    Run a fuzz tester against the stringmatchlen() function.",
        "STRUCTSIZE",
        "    Return the size of different Redis core C structures.",
        "LISTPACK <key>",
        "    Show low level info about the listpack encoding of <key>.",
        "QUICKLIST <key> [<0|1>]",
        "    Show low level info about the quicklist encoding of <key>.",
        "    The optional argument (0 by default) sets the level of detail",
        "CLIENT-EVICTION",
        "    Show low level client eviction pools info (maxmemory-clients).",
        "PAUSE-CRON <0|1>",
        "    Stop periodic cron job processing.",
        "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
        "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
        "    In case NEVER is provided the last observed peak will never be reset",
        "    In case RESET is provided the peak reset time will be restored to the default value",
        "REPLYBUFFER RESIZING <0|1>",
        "    Enable or disable the reply buffer resize cron job",
        "CLUSTERLINK KILL <to|from|all> <node-id>",
        "    Kills the link based on the direction to/from (both) with the provided node.",
    };

    static void Help(CommandContext ctx) => HelpReply.Write(ctx, "DEBUG", HelpLines);

    /// <summary>DEBUG SLEEP seconds: blocks the whole server (decimals allowed; unparsable text means 0, like strtod).</summary>
    static void Sleep(CommandContext ctx)
    {
        double seconds = LeadingDouble(ctx.Arg(2));
        long micros = (long)(seconds * 1_000_000);
        if (micros > 0) Thread.Sleep(TimeSpan.FromTicks(micros * 10));
        ctx.Reply.Ok();
    }

    /// <summary>DEBUG SET-ACTIVE-EXPIRE 0|1: any non-zero number (atoi) turns background expiry back on.</summary>
    static void SetActiveExpire(CommandContext ctx)
    {
        ctx.Server.ActiveExpireEnabled = LeadingInteger(ctx.Arg(2)) != 0;
        ctx.Reply.Ok();
    }

    /// <summary>DEBUG OBJECT key: Redis's low-level line about the value (the address is an identity, not a pointer).</summary>
    static void ObjectInfo(CommandContext ctx)
    {
        // Like OBJECT: no access-time update, but an expired key is deleted and hits/misses are counted.
        var key = ctx.Arg(2);
        var e = ctx.Db.Peek(key);
        if (e != null && ctx.Db.IsLogicallyExpired(e)) e = ctx.Db.Lookup(key);
        if (e == null) { ctx.Server.Stats.KeyspaceMisses++; ctx.Error(Errors.NoSuchKey); return; }
        ctx.Server.Stats.KeyspaceHits++;
        var value = e.Value;
        long refcount = StringValue.IsShared(value) ? int.MaxValue : 1;
        long lru = (ctx.Server.StartTimeMs / 1000 + e.LastAccess) & 0xFFFFFF;
        long idle = unchecked(ctx.Keyspace.LruClock - e.LastAccess); // modulo 2^32: access times may precede the start (RESTORE IDLETIME)
        var inv = CultureInfo.InvariantCulture;
        ctx.Reply.SimpleString(
            $"Value at:0x{RuntimeHelpers.GetHashCode(value).ToString("x", inv)} refcount:{refcount.ToString(inv)} " +
            $"encoding:{ValueTypes.EncodingName(value)} serializedlength:{SerializedLength(value).ToString(inv)} " +
            $"lru:{lru.ToString(inv)} lru_seconds_idle:{idle.ToString(inv)}");
    }

    /// <summary>
    /// The serializedlength of DEBUG OBJECT: the bytes of the value in an RDB file. Strings are computed
    /// exactly (without LZF compression); aggregates use their memory estimate until the RDB writer sets this.
    /// </summary>
    public static Func<object, long> SerializedLength = DefaultSerializedLength;

    static long DefaultSerializedLength(object value)
    {
        switch (value)
        {
            case long l: return IntegerLength(l);
            case byte[] b: return StringLength(b);
            case MutableString m: return StringLength(m.Span);
            default: return ValueTypes.EstimatedBytes(value);
        }
    }

    static long IntegerLength(long v)
    {
        if (v >= sbyte.MinValue && v <= sbyte.MaxValue) return 2;
        if (v >= short.MinValue && v <= short.MaxValue) return 3;
        if (v >= int.MinValue && v <= int.MaxValue) return 5;
        int digits = Util.Numbers.DigitCount(v);
        return LengthPrefix(digits) + digits;
    }

    static long StringLength(ReadOnlySpan<byte> s)
    {
        if (s.Length <= 11 && Util.Numbers.TryParseStrictLong(s, out long v) && v >= int.MinValue && v <= int.MaxValue) return IntegerLength(v);
        return LengthPrefix(s.Length) + s.Length;
    }

    static int LengthPrefix(long length) => length < 64 ? 1 : length < 16384 ? 2 : length <= uint.MaxValue ? 5 : 9;

    /// <summary>DEBUG POPULATE count [prefix] [size]: adds prefix:N = value:N keys (existing keys are kept); not replicated.</summary>
    static void Populate(CommandContext ctx)
    {
        const string Error = "ERR value is out of range, must be positive";
        if (!Util.Numbers.TryParseStrictLong(ctx.Arg(2), out long count) || count < 0) { ctx.Error(Error); return; }
        long size = 0;
        if (ctx.ArgCount == 5 && (!Util.Numbers.TryParseStrictLong(ctx.Arg(4), out size) || size < 0)) { ctx.Error(Error); return; }
        string prefix = ctx.ArgCount >= 4 ? ctx.ArgString(3) : "key";
        var db = ctx.Db;
        for (long j = 0; j < count; j++)
        {
            var key = Encoding.UTF8.GetBytes(prefix + ":" + j.ToString(CultureInfo.InvariantCulture));
            if (db.Lookup(key) != null) continue;
            var text = Encoding.ASCII.GetBytes("value:" + j.ToString(CultureInfo.InvariantCulture));
            byte[] value = text;
            if (size > 0)
            {
                value = new byte[size];
                text.AsSpan(0, (int)Math.Min(size, text.Length)).CopyTo(value);
            }
            db.Add(key, value);
        }
        ctx.Reply.Ok();
    }

    /// <summary>DEBUG PROTOCOL type: a sample reply of each RESP type, for client library tests.</summary>
    static void Protocol(CommandContext ctx)
    {
        var r = ctx.Reply;
        string type = ctx.ArgString(2).ToLowerInvariant();
        switch (type)
        {
            case "string": r.Bulk("Hello World"u8); break;
            case "integer": r.Integer(12345); break;
            case "double": r.Double(3.141); break;
            case "bignum":
                if (r.Resp3) r.WriteRaw("(1234567999999999999999999999999999999\r\n"u8);
                else r.Bulk("1234567999999999999999999999999999999"u8);
                break;
            case "null": r.Null(); break;
            case "array":
            case "set":
                if (type == "set") r.SetHeader(3); else r.ArrayHeader(3);
                for (int i = 0; i < 3; i++) r.Integer(i);
                break;
            case "map":
                r.MapHeader(3);
                for (int i = 0; i < 3; i++) { r.Integer(i); r.Boolean(i == 1); }
                break;
            case "attrib":
                if (r.Resp3)
                {
                    r.WriteRaw("|1\r\n"u8);
                    r.Bulk("key-popularity"u8);
                    r.ArrayHeader(2);
                    r.Bulk("key:123"u8);
                    r.Integer(90);
                }
                r.Bulk("Some real reply following the attribute"u8);
                break;
            case "push":
                if (!r.Resp3) { ctx.Error("ERR RESP2 is not supported by this command"); return; }
                r.PushHeader(2);
                r.Bulk("server-cpu-usage"u8);
                r.Integer(42);
                r.Bulk("Some real reply following the push reply"u8);
                break;
            case "verbatim": r.Verbatim("This is a verbatim\nstring"); break;
            case "true": r.Boolean(true); break;
            case "false": r.Boolean(false); break;
            default:
                ctx.Error("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
                break;
        }
    }

    static void LogMessage(CommandContext ctx)
    {
        ctx.Server.Log.Warning("DEBUG LOG: " + ctx.ArgString(2));
        ctx.Reply.Ok();
    }

    /// <summary>DEBUG ERROR text: replies text as an error, as is (client library tests). Like Redis, it is
    /// written as raw protocol, so it counts neither in errorstats nor as a failed call.</summary>
    /// <summary>DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the data set, load the file back.</summary>
    static void Reload(CommandContext ctx)
    {
        bool flush = true, save = true, merge = false;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            if (ctx.ArgIs(i, "merge"u8)) merge = true;
            else if (ctx.ArgIs(i, "noflush"u8)) flush = false;
            else if (ctx.ArgIs(i, "nosave"u8)) save = false;
            else { ctx.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."); return; }
        }
        var server = ctx.Server;
        server.Rdb.KillBackgroundSave();
        if (save && server.Rdb.Save() != null) { ctx.Error("ERR"); return; }
        if (flush) foreach (var db in server.Keyspace.Databases) db.Flush();
        var outcome = Persistence.DataLoader.LoadRdb(server, Persistence.DataLoader.RdbPath(server), serveClients: false, allowDuplicates: merge);
        if (!outcome.Ok || outcome.FileMissing) { ctx.Error("ERR Error trying to load the RDB dump, check server logs."); return; }
        server.Log.Warning("DB reloaded by DEBUG RELOAD");
        ctx.Reply.Ok();
    }

    static void ErrorReply(CommandContext ctx) => ctx.Reply.Error(ctx.ArgString(2));

    static void ChangeReplId(CommandContext ctx)
    {
        ctx.Server.Replication.ChangeId();
        ctx.Server.Replication.ClearId2();
        ctx.Server.Log.Notice("Changing replication IDs after receiving DEBUG change-repl-id");
        ctx.Reply.Ok();
    }

    /// <summary>strtod-like: the longest numeric prefix (sign, digits, fraction, exponent), 0 when there is none.</summary>
    internal static double LeadingDouble(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t')) i++;
        int start = i;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
        int digits = 0;
        while (i < s.Length && char.IsAsciiDigit((char)s[i])) { i++; digits++; }
        if (i < s.Length && s[i] == '.') { i++; while (i < s.Length && char.IsAsciiDigit((char)s[i])) { i++; digits++; } }
        if (digits == 0) return 0;
        int end = i;
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            int j = i + 1;
            if (j < s.Length && (s[j] == '+' || s[j] == '-')) j++;
            int expDigits = 0;
            while (j < s.Length && char.IsAsciiDigit((char)s[j])) { j++; expDigits++; }
            if (expDigits > 0) end = j;
        }
        return double.TryParse(Encoding.ASCII.GetString(s[start..end]), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : 0;
    }

    /// <summary>atoi-like: optional sign and leading digits, 0 when there are none.</summary>
    internal static long LeadingInteger(ReadOnlySpan<byte> s)
    {
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t')) i++;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
        long v = 0;
        while (i < s.Length && char.IsAsciiDigit((char)s[i]) && v < int.MaxValue) v = v * 10 + (s[i++] - '0');
        return negative ? -v : v;
    }
}
