using System.Globalization;
using System.Text;

namespace Mirra.IntegrationTests.Infrastructure;

/// <summary>The RESP2/RESP3 reply types, named after the protocol spec.</summary>
public enum RespType
{
    SimpleString, // +
    Error,        // - and ! (blob error)
    Integer,      // :
    BulkString,   // $   (Bytes == null for the RESP2 null bulk $-1)
    Array,        // *   (Items == null for the RESP2 null array *-1)
    Null,         // _   (RESP3)
    Double,       // ,   (RESP3)
    Boolean,      // #   (RESP3)
    BigNumber,    // (   (RESP3; text kept in Bytes)
    Verbatim,     // =   (RESP3; format in VerbatimFormat, text in Bytes)
    Map,          // %   (RESP3; Entries)
    Set,          // ~   (RESP3; Items)
    Push,         // >   (RESP3; Items)
}

/// <summary>
/// One decoded reply. Deliberately independent of Mirra's own protocol code: the test client must not
/// share bugs with the server under test. ToString renders a one-line redis-cli-like form that reads
/// well in assertion messages.
/// </summary>
public sealed class RespValue
{
    public RespType Type { get; }
    /// <summary>Payload of SimpleString, Error, BulkString, Verbatim (text part) and BigNumber.</summary>
    public byte[]? Bytes { get; }
    public long Integer { get; }
    public double Double { get; }
    public bool Boolean { get; }
    /// <summary>Elements of Array, Set and Push.</summary>
    public IReadOnlyList<RespValue>? Items { get; }
    /// <summary>Entries of Map, in wire order.</summary>
    public IReadOnlyList<KeyValuePair<RespValue, RespValue>>? Entries { get; }
    /// <summary>Three-letter format of a Verbatim string (e.g. "txt").</summary>
    public string? VerbatimFormat { get; }
    /// <summary>RESP3 attributes (|) that preceded this value, if any.</summary>
    public IReadOnlyList<KeyValuePair<RespValue, RespValue>>? Attributes { get; private set; }

    RespValue(RespType type, byte[]? bytes = null, long integer = 0, double dbl = 0, bool boolean = false,
        IReadOnlyList<RespValue>? items = null, IReadOnlyList<KeyValuePair<RespValue, RespValue>>? entries = null,
        string? format = null)
    {
        Type = type; Bytes = bytes; Integer = integer; Double = dbl; Boolean = boolean;
        Items = items; Entries = entries; VerbatimFormat = format;
    }

    public static RespValue Simple(byte[] b) => new(RespType.SimpleString, b);
    public static RespValue Err(byte[] b) => new(RespType.Error, b);
    public static RespValue Int(long v) => new(RespType.Integer, integer: v);
    public static RespValue Bulk(byte[]? b) => new(RespType.BulkString, b);
    public static RespValue Arr(IReadOnlyList<RespValue>? items) => new(RespType.Array, items: items);
    public static readonly RespValue Nil = new(RespType.Null);
    public static RespValue Dbl(double d) => new(RespType.Double, dbl: d);
    public static RespValue Bool(bool b) => new(RespType.Boolean, boolean: b);
    public static RespValue Big(byte[] b) => new(RespType.BigNumber, b);
    public static RespValue Verb(string format, byte[] text) => new(RespType.Verbatim, text, format: format);
    public static RespValue MapOf(IReadOnlyList<KeyValuePair<RespValue, RespValue>> e) => new(RespType.Map, entries: e);
    public static RespValue SetOf(IReadOnlyList<RespValue> items) => new(RespType.Set, items: items);
    public static RespValue PushOf(IReadOnlyList<RespValue> items) => new(RespType.Push, items: items);

    internal RespValue WithAttributes(IReadOnlyList<KeyValuePair<RespValue, RespValue>> attrs)
    {
        Attributes = attrs;
        return this;
    }

    /// <summary>True for RESP3 null, RESP2 null bulk ($-1) and RESP2 null array (*-1).</summary>
    public bool IsNull => Type == RespType.Null
        || (Type == RespType.BulkString && Bytes == null)
        || (Type == RespType.Array && Items == null);

    public bool IsError => Type == RespType.Error;

    /// <summary>UTF-8 text of string-like replies (simple, error, bulk, verbatim, big number); null otherwise or when null.</summary>
    public string? Text => Bytes == null ? null : Encoding.UTF8.GetString(Bytes);

    /// <summary>The text of a string-like reply; throws (with the reply in the message) for anything else.</summary>
    public string AsString()
    {
        return Type switch
        {
            RespType.SimpleString or RespType.BulkString or RespType.Verbatim or RespType.BigNumber when Bytes != null => Text!,
            _ => throw new InvalidOperationException($"expected a string reply, got {this}"),
        };
    }

    public long AsInteger()
    {
        if (Type == RespType.Integer) return Integer;
        if ((Type == RespType.BulkString || Type == RespType.SimpleString || Type == RespType.BigNumber) && Bytes != null
            && long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            return v;
        throw new InvalidOperationException($"expected an integer reply, got {this}");
    }

    public double AsDouble()
    {
        if (Type == RespType.Double) return Double;
        if (Type == RespType.Integer) return Integer;
        if ((Type == RespType.BulkString || Type == RespType.SimpleString) && Bytes != null)
            return RespReader.ParseDouble(Text!);
        throw new InvalidOperationException($"expected a double reply, got {this}");
    }

    /// <summary>Elements of an Array, Set or Push (a Map is flattened to k1, v1, k2, v2, ...).</summary>
    public IReadOnlyList<RespValue> AsArray()
    {
        if (Items != null) return Items;
        if (Entries != null) return Entries.SelectMany(e => new[] { e.Key, e.Value }).ToList();
        throw new InvalidOperationException($"expected an aggregate reply, got {this}");
    }

    /// <summary>Elements as strings (null elements become null).</summary>
    public string?[] AsStrings() => AsArray().Select(v => v.IsNull ? null : v.AsString()).ToArray();

    /// <summary>
    /// A RESP3 map, or a RESP2 flat array of pairs (what HELLO/HGETALL/CONFIG GET return in RESP2),
    /// keyed by the key's text.
    /// </summary>
    public Dictionary<string, RespValue> AsMap()
    {
        var d = new Dictionary<string, RespValue>(StringComparer.Ordinal);
        if (Entries != null)
        {
            foreach (var e in Entries) d[e.Key.AsString()] = e.Value;
            return d;
        }
        if (Type == RespType.Array && Items != null && Items.Count % 2 == 0)
        {
            for (int i = 0; i < Items.Count; i += 2) d[Items[i].AsString()] = Items[i + 1];
            return d;
        }
        throw new InvalidOperationException($"expected a map (or an even-length array), got {this}");
    }

    public int Count => Items?.Count ?? Entries?.Count ?? 0;

    public RespValue this[int index] => AsArray()[index];

    public RespValue this[string key] =>
        AsMap().TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"no key '{key}' in {this}");

    public override string ToString()
    {
        var sb = new StringBuilder();
        Render(sb, 0);
        return sb.ToString();
    }

    const int MaxRender = 4000;

    void Render(StringBuilder sb, int depth)
    {
        if (sb.Length > MaxRender) { sb.Append("..."); return; }
        if (Attributes != null)
        {
            sb.Append("|attrs");
            RenderEntries(sb, Attributes, depth);
            sb.Append(' ');
        }
        switch (Type)
        {
            case RespType.SimpleString: sb.Append(Text); break;
            case RespType.Error: sb.Append("(error) ").Append(Text); break;
            case RespType.Integer: sb.Append("(integer) ").Append(Integer.ToString(CultureInfo.InvariantCulture)); break;
            case RespType.BulkString:
                if (Bytes == null) sb.Append("(nil)"); else Quote(sb, Bytes);
                break;
            case RespType.Null: sb.Append("(null)"); break;
            case RespType.Double: sb.Append("(double) ").Append(FormatDouble(Double)); break;
            case RespType.Boolean: sb.Append(Boolean ? "(true)" : "(false)"); break;
            case RespType.BigNumber: sb.Append("(big number) ").Append(Text); break;
            case RespType.Verbatim: sb.Append("(verbatim ").Append(VerbatimFormat).Append(") "); Quote(sb, Bytes!); break;
            case RespType.Array:
                if (Items == null) { sb.Append("(nil array)"); break; }
                RenderItems(sb, "[", "]", Items, depth);
                break;
            case RespType.Set: RenderItems(sb, "~{", "}", Items!, depth); break;
            case RespType.Push: RenderItems(sb, ">[", "]", Items!, depth); break;
            case RespType.Map: RenderEntries(sb, Entries!, depth); break;
        }
    }

    static void RenderItems(StringBuilder sb, string open, string close, IReadOnlyList<RespValue> items, int depth)
    {
        sb.Append(open);
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            if (sb.Length > MaxRender) { sb.Append($"... ({items.Count} elements)"); break; }
            items[i].Render(sb, depth + 1);
        }
        sb.Append(close);
    }

    static void RenderEntries(StringBuilder sb, IReadOnlyList<KeyValuePair<RespValue, RespValue>> entries, int depth)
    {
        sb.Append('{');
        for (int i = 0; i < entries.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            if (sb.Length > MaxRender) { sb.Append($"... ({entries.Count} entries)"); break; }
            entries[i].Key.Render(sb, depth + 1);
            sb.Append(": ");
            entries[i].Value.Render(sb, depth + 1);
        }
        sb.Append('}');
    }

    static string FormatDouble(double d) =>
        double.IsPositiveInfinity(d) ? "inf" : double.IsNegativeInfinity(d) ? "-inf" : double.IsNaN(d) ? "nan"
        : d.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Quotes bytes like redis-cli does: printable ASCII as is, the rest as \xNN / \r / \n.</summary>
    static void Quote(StringBuilder sb, byte[] bytes)
    {
        sb.Append('"');
        int n = Math.Min(bytes.Length, MaxRender);
        for (int i = 0; i < n; i++)
        {
            byte b = bytes[i];
            switch (b)
            {
                case (byte)'"': sb.Append("\\\""); break;
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                default:
                    if (b >= 0x20 && b < 0x7f) sb.Append((char)b);
                    else sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
                    break;
            }
        }
        if (bytes.Length > n) sb.Append($"...({bytes.Length} bytes)");
        sb.Append('"');
    }
}
