namespace Mirra.Engine;

public delegate void CommandHandler(CommandContext ctx);

/// <summary>Redis's command flags, as COMMAND INFO reports them.</summary>
[Flags]
public enum CommandFlags
{
    None = 0,
    Write = 1 << 0,
    ReadOnly = 1 << 1,
    DenyOom = 1 << 2,
    Admin = 1 << 3,
    PubSub = 1 << 4,
    NoScript = 1 << 5,
    Blocking = 1 << 6,
    Loading = 1 << 7,
    Stale = 1 << 8,
    SkipMonitor = 1 << 9,
    SkipSlowlog = 1 << 10,
    Fast = 1 << 11,
    NoAuth = 1 << 12,
    MayReplicate = 1 << 13,
    Sentinel = 1 << 14,
    OnlySentinel = 1 << 15,
    NoMandatoryKeys = 1 << 16,
    Protected = 1 << 17,
    NoAsyncLoading = 1 << 18,
    NoMulti = 1 << 19,
    MovableKeys = 1 << 20,
    AllowBusy = 1 << 21,
}

/// <summary>
/// One entry of the command table: name, arity (negative = at least), flags, key positions,
/// handler, the documentation COMMAND DOCS reports, and its counters for INFO commandstats.
/// </summary>
public sealed class CommandSpec
{
    public string Name { get; }
    public int Arity { get; }
    public CommandFlags Flags { get; }
    public int FirstKey { get; }
    public int LastKey { get; }
    public int KeyStep { get; }
    public CommandHandler? Handler { get; }
    public string Group { get; init; } = "generic";
    public string Since { get; init; } = "1.0.0";
    public string Summary { get; init; } = "";
    public string Complexity { get; init; } = "O(1)";
    /// <summary>
    /// Redis's explicit ACL categories of the command, space separated without '@' ("keyspace dangerous").
    /// Null: derived from the group (string → @string...). Flag-implied ones (@write, @fast...) are always added.
    /// </summary>
    public string? Acl { get; init; }
    /// <summary>Redis's command tips, space separated ("nondeterministic_output request_policy:all_shards").</summary>
    public string? Tips { get; init; }
    /// <summary>
    /// Redis's key specs in <see cref="KeySpec.Parse"/> notation ("RO access", "RW access delete"...).
    /// Null: one spec made of first/last/step with flags inferred from the command flags.
    /// </summary>
    public string? KeySpecs { get; init; }
    public CommandSpec? Parent { get; internal set; }
    public Dictionary<string, CommandSpec>? Subcommands { get; private set; }

    public long Calls, Microseconds, RejectedCalls, FailedCalls;
    /// <summary>Distribution of call durations (INFO latencystats, LATENCY HISTOGRAM); created at the first call.</summary>
    public Observability.LatencyHistogram? Latency;

    /// <summary>CONFIG RESETSTAT: forgets the counters and the latency distribution.</summary>
    public void ResetStats()
    {
        Calls = Microseconds = RejectedCalls = FailedCalls = 0;
        Latency = null;
    }

    public CommandSpec(string name, int arity, string flags, int firstKey, int lastKey, int keyStep, CommandHandler? handler)
    {
        Name = name.ToLowerInvariant();
        Arity = arity;
        Flags = ParseFlags(flags);
        FirstKey = firstKey;
        LastKey = lastKey;
        KeyStep = keyStep;
        Handler = handler;
    }

    /// <summary>"config|get" for a subcommand, "get" for a command.</summary>
    public string FullName => Parent == null ? Name : Parent.Name + "|" + Name;

    public bool Has(CommandFlags flag) => (Flags & flag) != 0;

    public CommandSpec AddSubcommand(CommandSpec sub)
    {
        Subcommands ??= new Dictionary<string, CommandSpec>(StringComparer.OrdinalIgnoreCase);
        sub.Parent = this;
        Subcommands[sub.Name] = sub;
        return this;
    }

    /// <summary>Redis's ACL categories, in Redis's order (the order ACL CAT lists them and COMMAND INFO reports them).</summary>
    public static readonly string[] AclCategoryNames =
    {
        "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog",
        "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting",
    };

    /// <summary>
    /// The ACL categories of the command (COMMAND INFO, ACL CAT): the explicit ones (<see cref="Acl"/>, or those the
    /// group implies) plus those Redis derives from the flags (setImplicitACLCategories), in Redis's category order.
    /// </summary>
    public IEnumerable<string> AclCategories()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (Acl != null)
        {
            foreach (var c in Acl.Split(' ', StringSplitOptions.RemoveEmptyEntries)) set.Add(c.TrimStart('@'));
        }
        else
        {
            string? group = Group switch
            {
                "string" => "string", "hash" => "hash", "list" => "list", "set" => "set",
                "sorted-set" => "sortedset", "generic" => "keyspace", "connection" => "connection",
                "transactions" => "transaction", "hyperloglog" => "hyperloglog", "bitmap" => "bitmap",
                "scripting" => "scripting", "geo" => "geo", "stream" => "stream", "pubsub" => "pubsub", _ => null,
            };
            if (group != null) set.Add(group);
        }
        if (Has(CommandFlags.Write)) set.Add("write");
        if (Has(CommandFlags.ReadOnly) && !set.Contains("scripting")) set.Add("read");
        if (Has(CommandFlags.Admin)) { set.Add("admin"); set.Add("dangerous"); }
        if (Has(CommandFlags.PubSub)) set.Add("pubsub");
        if (Has(CommandFlags.Fast)) set.Add("fast");
        if (Has(CommandFlags.Blocking)) set.Add("blocking");
        if (!set.Contains("fast")) set.Add("slow");
        foreach (var name in AclCategoryNames)
            if (set.Contains(name)) yield return "@" + name;
    }

    KeySpec[]? _keySpecs;

    /// <summary>The key specs (COMMAND INFO, COMMAND GETKEYS): declared, or derived from first/last/step.</summary>
    public KeySpec[] GetKeySpecs() => _keySpecs ??=
        KeySpecs != null ? KeySpec.Parse(KeySpecs, FirstKey, LastKey, KeyStep)
        : FirstKey > 0 ? [KeySpec.FromPositions(Flags, FirstKey, LastKey, KeyStep)]
        : [];

    /// <summary>True when some key spec names real keys (Redis's doesCommandHaveKeys).</summary>
    public bool HasKeys => Array.Exists(GetKeySpecs(), s => !s.Has("not_key"));

    public static IEnumerable<string> FlagNames(CommandFlags flags)
    {
        foreach (var (flag, name) in FlagTable)
            if ((flags & flag) != 0) yield return name;
    }

    static readonly (CommandFlags Flag, string Name)[] FlagTable =
    {
        (CommandFlags.Write, "write"), (CommandFlags.ReadOnly, "readonly"), (CommandFlags.DenyOom, "denyoom"),
        (CommandFlags.Admin, "admin"), (CommandFlags.PubSub, "pubsub"), (CommandFlags.NoScript, "noscript"),
        (CommandFlags.Blocking, "blocking"), (CommandFlags.Loading, "loading"), (CommandFlags.Stale, "stale"),
        (CommandFlags.SkipMonitor, "skip_monitor"), (CommandFlags.SkipSlowlog, "skip_slowlog"),
        (CommandFlags.Fast, "fast"), (CommandFlags.NoAuth, "no_auth"), (CommandFlags.MayReplicate, "may_replicate"),
        (CommandFlags.Sentinel, "sentinel"), (CommandFlags.OnlySentinel, "only_sentinel"),
        (CommandFlags.NoMandatoryKeys, "no_mandatory_keys"), (CommandFlags.Protected, "protected"),
        (CommandFlags.NoAsyncLoading, "no_async_loading"), (CommandFlags.NoMulti, "no_multi"),
        (CommandFlags.MovableKeys, "movablekeys"), (CommandFlags.AllowBusy, "allow_busy"),
    };

    static CommandFlags ParseFlags(string flags)
    {
        var result = CommandFlags.None;
        foreach (var word in flags.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = Array.Find(FlagTable, f => f.Name == word);
            if (match.Name == null) throw new ArgumentException($"unknown command flag '{word}'");
            result |= match.Flag;
        }
        return result;
    }
}
