using System.Text;
using Mirra.Util;

namespace Mirra.Config;

/// <summary>
/// Mirra's configuration: every Redis 7.0.15 directive (plus Mirra's extensions), loaded from redis.conf syntax and
/// redis-server's command line, and served to CONFIG GET / SET / REWRITE with Redis's exact replies.
/// <para>Typical use:</para>
/// <code>
/// var config = ConfigRegistry.CreateDefault();
/// config.LoadFromArgs(args);                        // throws ConfigFileException: print Message, exit(1)
/// config.MarkImplemented("port", "bind", ...);      // what the engine honours
/// foreach (var n in config.UnimplementedDirectivesSetExplicitly()) log("... has no effect in Mirra");
/// config.RegisterApplyHook("maxclients", v => ...); // run-time effect of CONFIG SET; return error text or null
/// int port = config.Values.Port;                    // typed snapshot, readable from any thread
/// </code>
/// Command layer: <see cref="Get"/> for CONFIG GET, <see cref="Set(IReadOnlyList{string}, bool)"/> for CONFIG SET,
/// <see cref="Rewrite"/> for CONFIG REWRITE. Errors are returned as the reply text without the leading '-'.
/// Load, Set and Rewrite must be called from one thread (the executor); <see cref="Values"/> from any.
/// Strings are Latin-1 (one char per byte): convert request bytes with Encoding.Latin1.
/// </summary>
public sealed class ConfigRegistry
{
    private readonly List<Directive> _directives;
    private readonly Dictionary<string, Directive> _byName = new(StringComparer.OrdinalIgnoreCase);
    private object[] _values;
    private readonly bool[] _explicit;
    private readonly Dictionary<int, List<Func<string, string?>>> _hooks = [];
    private readonly Dictionary<string, Func<IEnumerable<string>>> _rewriteProviders = new(StringComparer.Ordinal);
    private readonly List<ConfigFileLine> _renameCommands = [];
    private readonly List<ConfigFileLine> _users = [];
    private readonly List<ConfigFileLine> _loadModules = [];
    private readonly List<ConfigFileLine> _sentinelLines = [];
    private ServerConfig _snapshot = null!;
    private ParseContext? _loadContext;

    /// <summary>Directives Redis 7.0 still accepts in a config file (and ignores), but not in CONFIG GET/SET.</summary>
    private static readonly string[] DeprecatedFileOnly = ["list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"];

    private ConfigRegistry()
    {
        _directives = DirectiveTable.Build();
        foreach (var d in _directives)
        {
            _byName.Add(d.Name, d);
            foreach (var a in d.Aliases) _byName.Add(a, d);
        }
        _values = new object[_directives.Count];
        _explicit = new bool[_directives.Count];
        foreach (var d in _directives) _values[d.Index] = d.Default;
        _values[_byName["dir"].Index] = ConfigText.FromPath(Path.TrimEndingDirectorySeparator(Environment.CurrentDirectory) is { Length: > 0 } cwd ? cwd : "/");
        Publish();
    }

    /// <summary>A registry with every directive at Redis's default (dir = the current working directory).</summary>
    public static ConfigRegistry CreateDefault() => new();

    /// <summary>All directives, canonical names only, in a stable order.</summary>
    public IReadOnlyList<Directive> Directives => _directives;

    /// <summary>The current typed values: an immutable snapshot replaced after every change.</summary>
    public ServerConfig Values => Volatile.Read(ref _snapshot);

    /// <summary>Absolute path of the config file given on the command line, or null (then CONFIG REWRITE fails).</summary>
    public string? ConfigFilePath { get; private set; }

    /// <summary>Sentinel mode: set by LoadFromArgs when argv holds "--sentinel"; the caller may also set it (mirra-sentinel).</summary>
    public bool SentinelMode { get; set; }

    /// <summary>Whether loading opens a non-empty logfile for append to check it (Redis does; tests turn it off).</summary>
    public bool CheckLogFileOnLoad { get; set; } = true;

    /// <summary>rename-command lines, in order (Args = [old-name, new-name]).</summary>
    public IReadOnlyList<ConfigFileLine> RenameCommands => _renameCommands;
    /// <summary>user lines (ACL rules), in order.</summary>
    public IReadOnlyList<ConfigFileLine> Users => _users;
    /// <summary>loadmodule lines (Mirra has no modules: the engine should reject or warn).</summary>
    public IReadOnlyList<ConfigFileLine> LoadModules => _loadModules;
    /// <summary>sentinel lines (only accepted in sentinel mode).</summary>
    public IReadOnlyList<ConfigFileLine> SentinelLines => _sentinelLines;

    /// <summary>Raised (on the executor thread) with the canonical name of each directive a CONFIG SET changed.</summary>
    public event Action<string>? Changed;

    /// <summary>Finds a directive by name or alias, any case.</summary>
    public Directive? Find(string nameOrAlias) => _byName.GetValueOrDefault(nameOrAlias);

    /// <summary>The CONFIG GET text of one directive (name or alias), or null when unknown.</summary>
    public string? GetValue(string nameOrAlias) => Find(nameOrAlias) is { } d ? d.Format(_values[d.Index]) : null;

    // ------------------------------------------------------------------ engine integration

    /// <summary>Declares that the engine honours these directives (names or aliases). Unknown names throw.</summary>
    public void MarkImplemented(params string[] names)
    {
        foreach (var n in names)
            (Find(n) ?? throw new ArgumentException($"Unknown config directive '{n}'", nameof(names))).Implemented = true;
    }

    /// <summary>
    /// Canonical names of directives that the file, the command line or CONFIG SET set to a non-default value but
    /// that the engine has not marked implemented: log each once as having no effect.
    /// </summary>
    public IEnumerable<string> UnimplementedDirectivesSetExplicitly()
    {
        foreach (var d in _directives)
            if (_explicit[d.Index] && !d.Implemented && !d.ValueEquals(_values[d.Index], d.Default))
                yield return d.Name;
    }

    /// <summary>
    /// Registers the run-time effect of changing a directive with CONFIG SET. The hook runs on the executor after the
    /// new values are visible in <see cref="Values"/>, only when the value changed, with the new value as CONFIG GET
    /// shows it. Return null on success or an error text (e.g. "The operating system is not able to handle the
    /// specified number of clients, try with 19968"): the whole CONFIG SET is then rolled back, hooks that already
    /// ran are called again with the old values, and the client gets
    /// "ERR CONFIG SET failed (possibly related to argument 'name') - error". Hooks are not called while loading.
    /// </summary>
    public void RegisterApplyHook(string name, Func<string, string?> apply)
    {
        var d = Find(name) ?? throw new ArgumentException($"Unknown config directive '{name}'", nameof(name));
        if (!_hooks.TryGetValue(d.Index, out var list)) _hooks[d.Index] = list = [];
        list.Add(apply);
    }

    /// <summary>
    /// Lets another subsystem own the lines of a file-only directive at CONFIG REWRITE: "user" (the ACL users) or
    /// "sentinel" (sentinel state). The provider returns whole lines ("user default on nopass ~* &amp;* +@all").
    /// Without a provider those lines are kept as they are.
    /// </summary>
    public void RegisterRewriteProvider(string option, Func<IEnumerable<string>> lines) => _rewriteProviders[AsciiLower(option)] = lines;

    /// <summary>
    /// Whether enable-protected-configs / enable-debug-command / enable-module-command allows a client:
    /// "yes" always, "local" for local (loopback or unix socket) clients, "no" never.
    /// </summary>
    public bool IsAllowedFor(string enableDirective, bool clientIsLocal) => GetValue(enableDirective) switch
    {
        "yes" => true,
        "local" => clientIsLocal,
        _ => false,
    };

    /// <summary>
    /// Sets a directive from inside the engine, bypassing the immutable/protected checks and apply hooks (e.g. the
    /// REPLICAOF command updates "replicaof" so CONFIG GET and REWRITE show it). Returns an error text or null.
    /// </summary>
    public string? SetInternal(string name, params string[] args)
    {
        var d = Find(name) ?? throw new ArgumentException($"Unknown config directive '{name}'", nameof(name));
        var err = d.Parse(d, args, _values[d.Index], new ParseContext { Dir = (string)_values[_byName["dir"].Index] }, out var v);
        if (err != null) return err;
        if (d.Normalize != null) v = d.Normalize(v);
        bool changed = !d.ValueEquals(v, _values[d.Index]);
        var copy = (object[])_values.Clone();
        copy[d.Index] = v;
        _values = copy;
        _explicit[d.Index] = true;
        Publish();
        if (changed) Changed?.Invoke(d.Name);
        return null;
    }

    private void Publish()
    {
        var c = new ServerConfig();
        foreach (var d in _directives) d.Binder?.Invoke(c, _values[d.Index]);
        Volatile.Write(ref _snapshot, c);
    }

    internal static string AsciiLower(string s)
    {
        foreach (char ch in s)
        {
            if (ch >= 'A' && ch <= 'Z')
            {
                var sb = new StringBuilder(s.Length);
                foreach (char c in s) sb.Append(c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
                return sb.ToString();
            }
        }
        return s;
    }

    // ------------------------------------------------------------------ loading

    /// <summary>
    /// Loads like redis-server's main(): <paramref name="args"/> is the command line without the program name.
    /// An optional first argument not starting with '-' is the config file; "-" (first or last) reads the config from
    /// <paramref name="stdin"/>; then "--name value [value ...]" options, which are appended to the file text (so they
    /// win). Throws <see cref="ConfigFileException"/>. The caller handles -v/--version, -h/--help, --test-memory and
    /// --check-system before calling this.
    /// </summary>
    public void LoadFromArgs(string[] args, TextReader? stdin = null)
    {
        var cl = CommandLine.Parse(args);
        if (cl.Sentinel) SentinelMode = true;
        var text = new StringBuilder();
        if (cl.ConfigFile != null)
        {
            string path;
            try
            {
                path = Path.GetFullPath(ConfigText.ToPath(cl.ConfigFile));
            }
            catch (Exception e)
            {
                throw ConfigFileException.CannotOpen(cl.ConfigFile, ConfigText.Strerror(e));
            }
            ConfigFilePath = path;
            text.Append(ReadConfigFile(ConfigText.FromPath(path)));
        }
        if (cl.FromStdin) text.Append((stdin ?? Console.In).ReadToEnd());
        text.Append('\n').Append(cl.Options);
        LoadFromString(text.ToString());
    }

    /// <summary>
    /// Parses redis.conf text (Redis's loadServerConfigFromString): one directive per line, '#' comments, arguments
    /// split with quotes and escapes, names in any case, "include path" (with glob patterns) read recursively.
    /// Throws <see cref="ConfigFileException"/> on the first error.
    /// </summary>
    public void LoadFromString(string text)
    {
        bool outer = _loadContext == null;
        _loadContext ??= new ParseContext { Loading = true };
        try
        {
            LoadLines(text);
        }
        finally
        {
            if (outer)
            {
                _loadContext = null;
                Publish();
            }
        }
    }

    private void LoadLines(string text)
    {
        var ctx = _loadContext!;
        string[] lines = text.Split('\n');
        int replicaofLine = -1;
        for (int i = 0; i < lines.Length; i++)
        {
            int linenum = i + 1;
            string line = lines[i].Trim(' ', '\t', '\r', '\n');
            if (line.Length == 0 || line[0] == '#') continue;
            var argv = ConfigText.SplitArgs(line) ?? throw ConfigFileException.AtLine(linenum, line, "Unbalanced quotes in configuration line");
            if (argv.Count == 0) continue;
            string name = AsciiLower(argv[0]);
            int argc = argv.Count;
            string[] rest = argv.Skip(1).ToArray();

            if (name == "include" && argc == 2)
            {
                LoadFromString(ReadConfigFile(ResolveAgainstDir(argv[1])));
                continue;
            }
            if (name == "rename-command" && argc == 3) { _renameCommands.Add(new(name, rest, linenum, line)); continue; }
            if (name == "user" && argc >= 2) { _users.Add(new(name, rest, linenum, line)); continue; }
            if (name == "loadmodule" && argc >= 2) { _loadModules.Add(new(name, rest, linenum, line)); continue; }
            if (name == "sentinel")
            {
                // A bare "sentinel" line (from --sentinel) is ignored.
                if (argc == 1) continue;
                if (!SentinelMode) throw ConfigFileException.AtLine(linenum, line, "sentinel directive while not in sentinel mode");
                _sentinelLines.Add(new(name, rest, linenum, line));
                continue;
            }
            if (argc == 2 && Array.IndexOf(DeprecatedFileOnly, name) >= 0) continue;

            var d = Find(name);
            if (d == null) throw ConfigFileException.AtLine(linenum, line, "Bad directive or wrong number of arguments");
            if (!d.IsMultiArg && argc != 2) throw ConfigFileException.AtLine(linenum, line, "wrong number of arguments");
            // Like Redis 7.0, a multi-argument directive given one quoted argument (--bind "127.0.0.1 ::1") is split on spaces.
            if (d.IsMultiArg && argc == 2 && rest[0].Length > 0) rest = ConfigText.SplitSpaces(rest[0]);
            ctx.Dir = (string)_values[_byName["dir"].Index];
            var err = d.Parse(d, rest, _values[d.Index], ctx, out var v);
            if (err != null) throw ConfigFileException.AtLine(linenum, line, err);
            if (d.Normalize != null) v = d.Normalize(v);
            _values[d.Index] = v;
            _explicit[d.Index] = true;
            if (d.Name == "replicaof") replicaofLine = i;
        }

        // Checks Redis makes once the lines are read.
        string logfile = (string)_values[_byName["logfile"].Index];
        if (CheckLogFileOnLoad && logfile.Length > 0)
        {
            try
            {
                using var fs = new FileStream(ResolveAgainstDir(logfile), FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            }
            catch (Exception e)
            {
                throw ConfigFileException.WithoutLine("Can't open the log file: " + ConfigText.Strerror(e));
            }
        }
        if (replicaofLine >= 0 && (bool)_values[_byName["cluster-enabled"].Index])
            throw ConfigFileException.AtLine(replicaofLine + 1, lines[replicaofLine].Trim(' ', '\t', '\r', '\n'), "replicaof directive not allowed in cluster mode");
    }

    /// <summary>Relative paths are relative to "dir" (Redis has chdir()ed there by the time it reads them).</summary>
    private string ResolveAgainstDir(string configPath)
    {
        string p = ConfigText.ToPath(configPath);
        if (Path.IsPathRooted(p)) return p;
        return Path.Combine(ConfigText.ToPath((string)_values[_byName["dir"].Index]), p);
    }

    /// <summary>Reads a config file as Latin-1, or all files matching a glob pattern (sorted; none is fine).</summary>
    private static string ReadConfigFile(string path)
    {
        string fsPath = ConfigText.ToPath(path);
        if (path.IndexOfAny(['*', '?', '[']) >= 0)
        {
            var sb = new StringBuilder();
            foreach (var f in ExpandGlob(fsPath))
            {
                try
                {
                    sb.Append(File.ReadAllText(f, Encoding.Latin1));
                }
                catch (Exception e)
                {
                    throw ConfigFileException.CannotOpen(ConfigText.FromPath(f), ConfigText.Strerror(e));
                }
            }
            return sb.ToString();
        }
        try
        {
            if (Directory.Exists(fsPath)) return ""; // fopen() of a directory succeeds and reads nothing
            return File.ReadAllText(fsPath, Encoding.Latin1);
        }
        catch (Exception e)
        {
            throw ConfigFileException.CannotOpen(path, ConfigText.Strerror(e));
        }
    }

    /// <summary>glob(3) for patterns in any path component, results sorted like glob's default.</summary>
    private static IEnumerable<string> ExpandGlob(string pattern)
    {
        string root = Path.IsPathRooted(pattern) ? Path.GetPathRoot(pattern)! : "";
        var parts = pattern[root.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = new List<string> { root.Length == 0 ? "." : root };
        for (int i = 0; i < parts.Length; i++)
        {
            bool last = i == parts.Length - 1;
            var next = new List<string>();
            foreach (var dir in current)
            {
                if (parts[i].IndexOfAny(['*', '?', '[']) < 0)
                {
                    string p = Path.Combine(dir, parts[i]);
                    if (last ? File.Exists(p) || Directory.Exists(p) : Directory.Exists(p)) next.Add(p);
                    continue;
                }
                IEnumerable<string> entries;
                try
                {
                    entries = Directory.EnumerateFileSystemEntries(dir);
                }
                catch (IOException) { continue; }
                catch (UnauthorizedAccessException) { continue; }
                foreach (var e in entries)
                {
                    string name = Path.GetFileName(e);
                    if (name.StartsWith('.') && !parts[i].StartsWith('.')) continue;
                    if (!Glob.Match(Encoding.UTF8.GetBytes(parts[i]), Encoding.UTF8.GetBytes(name))) continue;
                    if (!last && !Directory.Exists(e)) continue;
                    next.Add(root.Length == 0 && dir == "." ? name : e);
                }
            }
            next.Sort(StringComparer.Ordinal);
            current = next;
        }
        return current;
    }

    // ------------------------------------------------------------------ CONFIG GET

    /// <summary>
    /// CONFIG GET: for each pattern, an exact name or alias (any case, hidden directives included) is answered under
    /// the name as the client wrote it; a glob (containing * ? or [) matches canonical names and aliases
    /// case-insensitively, hidden directives excluded. A name is returned once (case-insensitively).
    /// Redis's own order is its hash table's; Mirra answers in pattern order, then table order.
    /// </summary>
    public List<(string Name, string Value)> Get(IEnumerable<string> patterns)
    {
        var result = new List<(string, string)>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pattern in patterns)
        {
            if (pattern.IndexOfAny(['*', '?', '[']) < 0)
            {
                if (seen.Contains(pattern)) continue;
                if (Find(pattern) is { } d)
                {
                    seen.Add(pattern);
                    result.Add((pattern, d.Format(_values[d.Index])));
                }
                continue;
            }
            foreach (var d in _directives)
            {
                if (d.IsHidden) continue;
                TryAdd(d.Name, d);
                foreach (var a in d.Aliases) TryAdd(a, d);
            }

            void TryAdd(string name, Directive d)
            {
                if (seen.Contains(name) || !Glob.Match(pattern, name, ignoreCase: true)) return;
                seen.Add(name);
                result.Add((name, d.Format(_values[d.Index])));
            }
        }
        return result;
    }

    // ------------------------------------------------------------------ CONFIG SET

    /// <summary>
    /// CONFIG SET with the raw arguments after SET. Fewer than 2 arguments: "ERR wrong number of arguments for
    /// 'config|set' command"; an odd count: "ERR syntax error". Otherwise see <see cref="Set(IReadOnlyList{ValueTuple{string, string}}, bool)"/>.
    /// </summary>
    public string? Set(IReadOnlyList<string> args, bool clientIsLocal = false)
    {
        if (args.Count < 2) return "ERR wrong number of arguments for 'config|set' command";
        if ((args.Count & 1) != 0) return "ERR syntax error";
        var pairs = new List<(string, string)>(args.Count / 2);
        for (int i = 0; i < args.Count; i += 2) pairs.Add((args[i], args[i + 1]));
        return Set(pairs, clientIsLocal);
    }

    /// <summary>
    /// CONFIG SET name value [name value ...], atomically, as Redis 7.0 does it:
    /// 1) every name is checked in order: unknown, immutable, protected (see enable-protected-configs; pass whether
    ///    the client is local), then repeated (the same directive twice; an alias and its canonical name are not a
    ///    repeat); 2) every value is parsed (multi-argument directives split on spaces); 3) all are applied at once and
    ///    the apply hooks of changed directives run; if one fails, everything is rolled back.
    /// Returns null for OK, else the error reply without '-', e.g.
    /// "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value".
    /// </summary>
    public string? Set(IReadOnlyList<(string Name, string Value)> pairs, bool clientIsLocal = false)
    {
        var ds = new Directive[pairs.Count];
        for (int i = 0; i < pairs.Count; i++)
        {
            string name = pairs[i].Name;
            var d = Find(name);
            if (d == null) return $"ERR Unknown option or number of arguments for CONFIG SET - '{name}'";
            if (!d.IsMutable) return Failed(name, "can't set immutable config");
            if (d.IsProtected && !IsAllowedFor("enable-protected-configs", clientIsLocal)) return Failed(name, "can't set protected config");
            for (int j = 0; j < i; j++)
                if (ds[j] == d && pairs[j].Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                    return Failed(name, "duplicate parameter");
            ds[i] = d;
        }

        var old = _values;
        var next = (object[])old.Clone();
        var ctx = new ParseContext { Dir = (string)old[_byName["dir"].Index] };
        for (int i = 0; i < pairs.Count; i++)
        {
            var d = ds[i];
            string[] args = d.IsMultiArg ? ConfigText.SplitSpaces(pairs[i].Value) : [pairs[i].Value];
            var err = d.Parse(d, args, next[d.Index], ctx, out var v);
            if (err != null) return Failed(pairs[i].Name, err);
            if (d.Normalize != null) v = d.Normalize(v);
            next[d.Index] = v;
        }

        // Directives whose value changed, in the order first named.
        var changed = new List<(Directive D, string Name)>();
        for (int i = 0; i < pairs.Count; i++)
        {
            var d = ds[i];
            if (changed.Exists(c => c.D == d)) continue;
            if (!d.ValueEquals(old[d.Index], next[d.Index])) changed.Add((d, pairs[i].Name));
        }

        _values = next;
        Publish();
        var applied = new List<Directive>();
        foreach (var (d, name) in changed)
        {
            if (!_hooks.TryGetValue(d.Index, out var hooks)) continue;
            string value = d.Format(next[d.Index]);
            foreach (var hook in hooks)
            {
                string? err;
                try
                {
                    err = hook(value);
                }
                catch (Exception e)
                {
                    err = e.Message;
                }
                if (err == null) continue;
                // Roll back: old values visible again, and the effects already applied undone.
                _values = old;
                Publish();
                foreach (var a in applied.AsEnumerable().Reverse())
                    foreach (var h in _hooks[a.Index])
                        try { h(a.Format(old[a.Index])); } catch { /* best effort, as Redis */ }
                return Failed(name, err);
            }
            applied.Add(d);
        }
        foreach (var d in ds) _explicit[d.Index] = true;
        foreach (var (d, _) in changed) Changed?.Invoke(d.Name);
        return null;
    }

    private static string Failed(string name, string error) => $"ERR CONFIG SET failed (possibly related to argument '{name}') - {error}";

    // ------------------------------------------------------------------ CONFIG REWRITE

    /// <summary>
    /// CONFIG REWRITE: rewrites <see cref="ConfigFilePath"/> like Redis 7.0 (see <see cref="RewriteState"/>): comments
    /// and order are kept, a directive's lines are replaced in place (aliases become canonical names, strings are
    /// quoted), a directive back at its default keeps its line with the default value, unset strings, a default bind
    /// and "replicaof no one" lose their lines, and non-default directives without a line are appended after
    /// "# Generated by CONFIG REWRITE". "dir", "save" and latency-tracking-info-percentiles are always written.
    /// The file is replaced atomically (temp file, fsync, rename). Returns null for OK or the error reply text.
    /// </summary>
    public string? Rewrite()
    {
        if (ConfigFilePath == null) return "ERR The server is running without a config file";
        string path = ConfigFilePath;
        string? tmp = null;
        try
        {
            string old = File.Exists(path) ? File.ReadAllText(path, Encoding.Latin1) : "";
            var state = new RewriteState(old, n => Find(n)?.Name);
            foreach (var d in _directives) d.Rewrite(state, d, _values[d.Index]);
            foreach (var (option, provider) in _rewriteProviders)
            {
                state.MarkProcessed(option);
                foreach (var line in provider()) state.RewriteLine(option, line, true);
            }
            byte[] content = Encoding.Latin1.GetBytes(state.GetContent());

            tmp = $"{path}.tmp-{Environment.ProcessId}-{DateTime.UtcNow.Ticks / 10}";
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                fs.Write(content);
                fs.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
            {
                var mode = File.Exists(path) ? File.GetUnixFileMode(path)
                    : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
                File.SetUnixFileMode(tmp, mode);
            }
            File.Move(tmp, path, overwrite: true);
            tmp = null;
            return null;
        }
        catch (Exception e)
        {
            return "ERR Rewriting config file: " + ConfigText.Strerror(e);
        }
        finally
        {
            if (tmp != null)
                try { File.Delete(tmp); } catch { /* ignore */ }
        }
    }
}

/// <summary>redis-server's command line: config file, stdin flag, and the "--name value" options as config text.</summary>
public sealed record CommandLine(string? ConfigFile, bool FromStdin, string Options, bool Sentinel)
{
    /// <summary>Parses args (without the program name) exactly as Redis 7.0's main() builds its options string.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        string? file = null;
        bool fromStdin = false;
        bool sentinel = false;
        foreach (var a in args) if (a == "--sentinel") sentinel = true;
        int n = args.Count, j = 0;
        if (n > 0 && !args[0].StartsWith('-'))
        {
            file = args[0];
            j = 1;
        }
        var options = new StringBuilder();
        bool handledLast = true; // the previous option got at least one value
        for (; j < n; j++)
        {
            string a = args[j];
            if (a == "-" && (j == 0 || j == n - 1))
            {
                fromStdin = true;
            }
            else if (handledLast && a.StartsWith("--"))
            {
                if (options.Length > 0) options.Append('\n');
                options.Append(a, 2, a.Length - 2).Append(' ');
                var split = ConfigText.SplitArgs(a);
                if (split is { Count: 1 })
                {
                    handledLast = false;
                    bool nextIsOption = j != n - 1 && args[j + 1].StartsWith("--");
                    if (a.Equals("--save", StringComparison.OrdinalIgnoreCase))
                    {
                        // "--save" with no value means save "" (disable), as before Redis 7.0.1.
                        if (nextIsOption) { options.Append("\"\""); handledLast = true; }
                        else if (j == n - 1) options.Append("\"\"");
                    }
                    else if (a.Equals("--sentinel", StringComparison.OrdinalIgnoreCase))
                    {
                        if (nextIsOption) handledLast = true;
                    }
                }
                else
                {
                    // "--port 6380" in one argument: name and value together.
                    handledLast = true;
                }
            }
            else
            {
                options.Append(ConfigText.Repr(a)).Append(' ');
                handledLast = true;
            }
        }
        return new CommandLine(file, fromStdin, options.ToString(), sentinel);
    }
}
