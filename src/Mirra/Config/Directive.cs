namespace Mirra.Config;

/// <summary>How a directive's value is written and checked.</summary>
public enum DirectiveKind
{
    /// <summary>yes / no.</summary>
    Bool,
    /// <summary>A whole number with bounds (string2ll rules: no '+', no leading zeros).</summary>
    Integer,
    /// <summary>A byte count with optional unit: 1k=1000, 1kb=1024, m, mb, g, gb (any case).</summary>
    Memory,
    /// <summary>One of a fixed list of names (any case).</summary>
    Enum,
    /// <summary>Free text.</summary>
    String,
    /// <summary>An octal number (unixsocketperm).</summary>
    Octal,
    /// <summary>Its own syntax, often several arguments: save, bind, client-output-buffer-limit, ...</summary>
    Special,
}

/// <summary>Properties of a directive, as Redis 7.0 flags its configs.</summary>
[Flags]
public enum DirectiveFlags
{
    None = 0,
    /// <summary>CONFIG SET answers "can't set immutable config": only the file or the command line set it.</summary>
    Immutable = 1 << 0,
    /// <summary>CONFIG SET needs enable-protected-configs (yes, or local for a local client).</summary>
    Protected = 1 << 1,
    /// <summary>The value is a secret: keep it out of SLOWLOG, MONITOR and logs.</summary>
    Sensitive = 1 << 2,
    /// <summary>CONFIG GET shows it only when asked by its exact name, never through a glob.</summary>
    Hidden = 1 << 3,
    /// <summary>An empty value means "not set": <see cref="ServerConfig"/> exposes null and CONFIG REWRITE drops its line.</summary>
    EmptyIsNull = 1 << 4,
    /// <summary>Takes several arguments in the file; CONFIG SET splits its single value on spaces.</summary>
    MultiArg = 1 << 5,
    /// <summary>A memory value that also accepts a percentage "N%" (stored as -N).</summary>
    Percent = 1 << 6,
    /// <summary>An unsigned number in Redis (only changes nothing visible; kept for completeness).</summary>
    Unsigned = 1 << 7,
    /// <summary>Not a Redis 7.0 directive: a Mirra extension (dual-channel-replication-enabled, ...).</summary>
    MirraExtension = 1 << 8,
}

/// <summary>
/// One config directive: its name and aliases, its kind, default and flags, and whether Mirra's engine implements it.
/// The parsing, formatting and rewriting functions are internal to the registry.
/// </summary>
public sealed class Directive
{
    internal delegate string? ParseFn(Directive d, string[] args, object current, ParseContext ctx, out object value);

    internal Directive(string name, DirectiveKind kind, DirectiveFlags flags, object defaultValue)
    {
        Name = name;
        Kind = kind;
        Flags = flags;
        Default = defaultValue;
    }

    /// <summary>Canonical name (what CONFIG REWRITE writes).</summary>
    public string Name { get; }

    /// <summary>Other accepted names (e.g. slave-read-only for replica-read-only). CONFIG GET globs match them too.</summary>
    public IReadOnlyList<string> Aliases => _aliases;

    public DirectiveKind Kind { get; }
    public DirectiveFlags Flags { get; internal set; }

    /// <summary>The default as CONFIG GET prints it ("" for dir means the working directory at start).</summary>
    public string DefaultText => Format(Default);

    /// <summary>Inclusive bounds of Integer, Memory and Octal directives.</summary>
    public long Min { get; internal set; }
    public long Max { get; internal set; }

    /// <summary>Accepted names of an Enum directive, in Redis's order (used in its error message).</summary>
    public IReadOnlyList<string> EnumNames => _enumNames;

    /// <summary>True once the engine has declared that this directive has an effect in Mirra.</summary>
    public bool Implemented { get; internal set; }

    public bool IsMutable => (Flags & DirectiveFlags.Immutable) == 0;
    public bool IsSensitive => (Flags & DirectiveFlags.Sensitive) != 0;
    public bool IsProtected => (Flags & DirectiveFlags.Protected) != 0;
    public bool IsHidden => (Flags & DirectiveFlags.Hidden) != 0;
    public bool IsMultiArg => (Flags & DirectiveFlags.MultiArg) != 0;

    internal int Index;
    internal object Default;
    internal List<string> _aliases = [];
    internal string[] _enumNames = [];
    internal int[] _enumValues = [];
    internal long PercentMax = 100;
    internal ParseFn Parse = null!;
    internal Func<object, string> Format = null!;
    internal Action<RewriteState, Directive, object> Rewrite = null!;
    internal Action<ServerConfig, object>? Binder;
    internal Func<string, string?>? Validate; // extra check on a String value (error text or null)
    internal Func<object, object>? Normalize; // e.g. hz is clamped to 1..500 after it is set

    internal bool ValueEquals(object a, object b) => Format(a) == Format(b);

    internal Directive Alias(string alias)
    {
        _aliases.Add(alias);
        return this;
    }

    internal Directive Bind(Action<ServerConfig, bool> bind)
    {
        Binder = (c, v) => bind(c, (bool)v);
        return this;
    }

    internal Directive Bind(Action<ServerConfig, long> bind)
    {
        Binder = (c, v) => bind(c, (long)v);
        return this;
    }

    /// <summary>String directives get null for an empty EmptyIsNull value; Enum directives get the shown name.</summary>
    internal Directive Bind(Action<ServerConfig, string?> bind)
    {
        if (Kind == DirectiveKind.Enum) Binder = (c, v) => bind(c, Format(v));
        else if ((Flags & DirectiveFlags.EmptyIsNull) != 0) Binder = (c, v) => bind(c, (string)v == "" ? null : (string)v);
        else Binder = (c, v) => bind(c, (string)v);
        return this;
    }

    /// <summary>Enum directives: the bound value is the enum's numeric value (for C# enums).</summary>
    internal Directive BindValue(Action<ServerConfig, int> bind)
    {
        Binder = (c, v) => bind(c, (int)v);
        return this;
    }

    internal Directive BindObject<T>(Action<ServerConfig, T> bind)
    {
        Binder = (c, v) => bind(c, (T)v);
        return this;
    }

    internal Directive Check(Func<string, string?> validate)
    {
        Validate = validate;
        return this;
    }

    public override string ToString() => Name;
}

/// <summary>State of one parse: loading a file (and where we are) or a CONFIG SET.</summary>
internal sealed class ParseContext
{
    public bool Loading;
    public bool SaveLoaded; // Redis resets the save points at the first "save" line of a load, then appends.
    public string Dir = "";
}

/// <summary>One save point: save after <see cref="Seconds"/> if at least <see cref="Changes"/> writes happened.</summary>
public readonly record struct SaveParam(long Seconds, int Changes);

/// <summary>A client class's output buffer limit: hard and soft bytes (0 = none) and soft seconds.</summary>
public readonly record struct ClientOutputBufferLimit(long HardBytes, long SoftBytes, long SoftSeconds);

/// <summary>client-output-buffer-limit for the three classes.</summary>
public sealed record ClientOutputBufferLimits(ClientOutputBufferLimit Normal, ClientOutputBufferLimit Replica, ClientOutputBufferLimit PubSub)
{
    public static readonly ClientOutputBufferLimits Default = new(
        new(0, 0, 0), new(256L * 1024 * 1024, 64L * 1024 * 1024, 60), new(32L * 1024 * 1024, 8L * 1024 * 1024, 60));

    public ClientOutputBufferLimit this[int cls] => cls switch { 0 => Normal, 1 => Replica, _ => PubSub };
}

/// <summary>The master a replica follows (replicaof host port).</summary>
public sealed record ReplicaOfTarget(string Host, int Port);

/// <summary>notify-keyspace-events classes (Redis's NOTIFY_* bits).</summary>
[Flags]
public enum KeyspaceEvents
{
    None = 0,
    Keyspace = 1 << 0,  // K
    Keyevent = 1 << 1,  // E
    Generic = 1 << 2,   // g
    String = 1 << 3,    // $
    List = 1 << 4,      // l
    Set = 1 << 5,       // s
    Hash = 1 << 6,      // h
    ZSet = 1 << 7,      // z
    Expired = 1 << 8,   // x
    Evicted = 1 << 9,   // e
    Stream = 1 << 10,   // t
    KeyMiss = 1 << 11,  // m (not part of A)
    Loaded = 1 << 12,   // module key loaded (no letter)
    Module = 1 << 13,   // d
    New = 1 << 14,      // n (not part of A)
    /// <summary>"A": g$lshzxetd.</summary>
    All = Generic | String | List | Set | Hash | ZSet | Expired | Evicted | Stream | Module,
}

/// <summary>shutdown-on-sigint / shutdown-on-sigterm flags ("default" = none).</summary>
[Flags]
public enum ShutdownFlags
{
    Default = 0,
    Save = 1,
    NoSave = 2,
    Now = 4,
    Force = 8,
}

public enum LogLevel { Debug, Verbose, Notice, Warning }

public enum MaxMemoryPolicy { VolatileLru, VolatileLfu, VolatileRandom, VolatileTtl, AllKeysLru, AllKeysLfu, AllKeysRandom, NoEviction }

public enum AppendFsyncPolicy { EverySec, Always, No }

public enum ReplDisklessLoad { Disabled, OnEmptyDb, SwapDb }
