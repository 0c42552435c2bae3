using System.Globalization;

namespace Mirra.Engine;

/// <summary>
/// One Redis 7 key specification: where a command's keys start (begin_search) and how many follow
/// (find_keys), with the key flags (RO/RW/OW/RM, access/update/insert/delete...). COMMAND INFO
/// reports them and COMMAND GETKEYS finds keys with them, as Redis does.
/// </summary>
public sealed class KeySpec
{
    public enum BeginKind { Index, Keyword }
    public enum FindKind { Range, KeyNum }

    public string[] Flags { get; }
    public string? Notes { get; init; }
    public BeginKind Begin { get; }
    /// <summary>begin_search index: the argument position of the first key.</summary>
    public int Index { get; }
    /// <summary>begin_search keyword: the keys follow this word, searched from <see cref="StartFrom"/> (negative = from the end).</summary>
    public string? Keyword { get; }
    public int StartFrom { get; }
    public FindKind Find { get; }
    /// <summary>range: last key relative to the first (negative = from the end), step, and limit (1/limit of the rest when lastkey is -1).</summary>
    public int LastKey { get; }
    public int KeyStep { get; }
    public int Limit { get; }
    /// <summary>keynum: where the key count is (relative to the begin), where the first key is (relative to the begin).</summary>
    public int KeyNumIndex { get; }
    public int FirstKey { get; }

    KeySpec(string[] flags, BeginKind begin, int index, string? keyword, int startFrom,
        FindKind find, int lastKey, int keyStep, int limit, int keyNumIndex, int firstKey)
    {
        Flags = flags;
        Begin = begin;
        Index = index;
        Keyword = keyword;
        StartFrom = startFrom;
        Find = find;
        LastKey = lastKey;
        KeyStep = keyStep;
        Limit = limit;
        KeyNumIndex = keyNumIndex;
        FirstKey = firstKey;
    }

    public bool Has(string flag) => Array.IndexOf(Flags, flag) >= 0;

    /// <summary>
    /// Parses the compact notation used in command declarations: specs separated by ';', each made of
    /// flag words ("RW access delete") and optionally "index:N" or "keyword:WORD:STARTFROM" for the
    /// begin search and "range:LAST:STEP:LIMIT" or "keynum:IDX:FIRST:STEP" for the keys. A spec
    /// without them takes the command's first/last/step key positions.
    /// Example: "RO access" (GET), "RW access delete; RW insert index:2 range:0:1:0" (LMOVE-like).
    /// A spec may end with "notes:" followed by the free text COMMAND INFO reports as its notes.
    /// </summary>
    public static KeySpec[] Parse(string text, int firstKey, int lastKey, int keyStep)
    {
        var specs = new List<KeySpec>();
        foreach (var whole in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int notesAt = whole.IndexOf("notes:", StringComparison.Ordinal);
            string part = notesAt < 0 ? whole : whole[..notesAt];
            string? notes = notesAt < 0 ? null : whole[(notesAt + 6)..].Trim();
            var flags = new List<string>();
            BeginKind begin = BeginKind.Index;
            int index = firstKey, startFrom = 0;
            string? keyword = null;
            FindKind find = FindKind.Range;
            int last = lastKey < 0 ? lastKey : lastKey - firstKey, step = Math.Max(keyStep, 1), limit = 0, keyNumIndex = 0, first = 0;
            foreach (var token in part.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = token.Split(':');
                switch (f[0])
                {
                    case "index" when f.Length == 2:
                        begin = BeginKind.Index; index = Int(f[1]); break;
                    case "keyword" when f.Length == 3:
                        begin = BeginKind.Keyword; keyword = f[1]; startFrom = Int(f[2]); break;
                    case "range" when f.Length == 4:
                        find = FindKind.Range; last = Int(f[1]); step = Int(f[2]); limit = Int(f[3]); break;
                    case "keynum" when f.Length == 4:
                        find = FindKind.KeyNum; keyNumIndex = Int(f[1]); first = Int(f[2]); step = Int(f[3]); break;
                    default:
                        if (f.Length != 1 || !KnownFlags.Contains(token)) throw new ArgumentException($"bad key spec token '{token}' in \"{text}\"");
                        flags.Add(token);
                        break;
                }
            }
            specs.Add(new KeySpec(flags.ToArray(), begin, index, keyword, startFrom, find, last, step, limit, keyNumIndex, first) { Notes = notes });
        }
        return specs.ToArray();
    }

    /// <summary>
    /// The spec of a command declared only with first/last/step: Redis's flags are not known, so they
    /// are inferred from the command flags (readonly → RO access, write → RW update).
    /// </summary>
    public static KeySpec FromPositions(CommandFlags commandFlags, int firstKey, int lastKey, int keyStep)
    {
        string[] flags = (commandFlags & CommandFlags.Write) != 0 ? ["RW", "update"]
            : (commandFlags & CommandFlags.ReadOnly) != 0 ? ["RO", "access"] : ["RW"];
        return new KeySpec(flags, BeginKind.Index, firstKey, null, 0, FindKind.Range,
            lastKey < 0 ? lastKey : lastKey - firstKey, Math.Max(keyStep, 1), 0, 0, 0);
    }

    static int Int(string s) => int.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    static readonly HashSet<string> KnownFlags = new(StringComparer.Ordinal)
    {
        "RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete", "variable_flags",
    };

    /// <summary>
    /// Finds the key positions (indexes into argv, the command name being argv[0]) like Redis's
    /// getKeysUsingKeySpecs: a keyword that is absent just contributes no keys, while a key count
    /// that does not parse or keys outside the arguments make the whole search fail (false).
    /// </summary>
    public static bool TryFindKeys(CommandSpec command, int argc, Func<int, ReadOnlySpan<byte>> arg, List<(int Position, KeySpec Spec)> keys)
    {
        foreach (var spec in command.GetKeySpecs())
        {
            if (spec.Has("not_key")) continue;
            int first = 0;
            if (spec.Begin == BeginKind.Index)
            {
                first = spec.Index;
            }
            else
            {
                // Redis walks from startfrom towards the far end, the far end itself excluded.
                bool forward = spec.StartFrom > 0;
                int from = forward ? spec.StartFrom : argc + spec.StartFrom;
                int to = forward ? argc - 1 : 1;
                for (int i = from; i != to; i += from <= to ? 1 : -1)
                {
                    if (i >= argc || i < 1) break;
                    if (EqualsIgnoreCase(arg(i), spec.Keyword!)) { first = i + 1; break; }
                }
                if (first == 0) continue;
            }

            int last;
            if (spec.Find == FindKind.Range)
            {
                if (spec.LastKey >= 0) last = first + spec.LastKey;
                else if (spec.Limit == 0) last = argc + spec.LastKey;
                else last = first + ((argc - first) / spec.Limit + spec.LastKey);
            }
            else
            {
                int at = first + spec.KeyNumIndex;
                if (at >= argc || at < 0) return false;
                if (!Util.Numbers.TryParseStrictLong(arg(at), out long count) || count < 0 || count > int.MaxValue) return false;
                first += spec.FirstKey;
                last = (int)Math.Min(int.MaxValue, (long)first + count - 1);
            }
            if (last >= argc || last < first || first >= argc) return false;
            int step = Math.Max(spec.KeyStep, 1);
            for (int i = first; i <= last; i += step) keys.Add((i, spec));
            if (spec.Has("incomplete")) return false;
        }
        return true;
    }

    static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, string word)
    {
        if (a.Length != word.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            int x = a[i], y = word[i];
            if (x >= 'a' && x <= 'z') x -= 32;
            if (y >= 'a' && y <= 'z') y -= 32;
            if (x != y) return false;
        }
        return true;
    }
}
