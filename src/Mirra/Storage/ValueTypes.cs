using Mirra.Storage.Types;

namespace Mirra.Storage;

/// <summary>
/// A non-string value (hash, list, set, sorted set...). Strings are plain CLR objects
/// (see <see cref="StringValue"/>), and so are compact hashes (a <see cref="HashListpackByte"/>[], see
/// <see cref="Hash"/>) and intsets (an <see cref="IntsetInt16"/>[], <see cref="IntsetInt32"/>[] or
/// <see cref="IntsetInt64"/>[], see <see cref="Set"/>) and compact sets (a <see cref="SetListpackByte"/>[]); every other type implements this.
/// </summary>
public interface IAggregateValue
{
    /// <summary>What TYPE answers: "hash", "list", "set", "zset"...</summary>
    string TypeName { get; }
    /// <summary>What OBJECT ENCODING answers: "listpack", "hashtable", "quicklist", "intset", "skiplist"...</summary>
    string EncodingName { get; }
    /// <summary>Number of elements (fields, members, items).</summary>
    long Count { get; }
    /// <summary>An estimate of the bytes this value occupies (MEMORY USAGE).</summary>
    long EstimatedBytes { get; }
    /// <summary>An independent copy (COPY, snapshots).</summary>
    IAggregateValue DeepCopy();
}

/// <summary>TYPE, OBJECT ENCODING and MEMORY USAGE answers for any stored value.</summary>
public static class ValueTypes
{
    public static string TypeName(object value) => value switch
    {
        HashListpackByte[] => Hash.TypeName,
        SetListpackByte[] => Set.TypeName,
        IntsetInt16[] or IntsetInt32[] or IntsetInt64[] => Set.TypeName,
        IAggregateValue a => a.TypeName,
        _ => "string",
    };

    public static string EncodingName(object value) => value switch
    {
        HashListpackByte[] => "listpack",
        SetListpackByte[] => "hashtable", // Redis 7.0 has no listpack sets: the compact form is internal
        IntsetInt16[] or IntsetInt32[] or IntsetInt64[] => "intset",
        IAggregateValue a => a.EncodingName,
        _ => StringValue.Encoding(value),
    };

    public static long EstimatedBytes(object value) => value switch
    {
        HashListpackByte[] lp => Hash.CompactEstimatedBytes(lp),
        SetListpackByte[] sp => Set.CompactEstimatedBytes(sp),
        IntsetInt16[] or IntsetInt32[] or IntsetInt64[] => Set.IntsetEstimatedBytes(value),
        IAggregateValue a => a.EstimatedBytes,
        byte[] b => 24 + b.Length,
        MutableString m => 48 + m.Buffer.Length,
        _ => 24,
    };

    public static object DeepCopy(object value) => value switch
    {
        HashListpackByte[] lp => Hash.CompactCopy(lp),
        SetListpackByte[] sp => Set.CompactCopy(sp),
        IntsetInt16[] or IntsetInt32[] or IntsetInt64[] => Set.IntsetCopy(value),
        IAggregateValue a => a.DeepCopy(),
        byte[] b => b.ToArray(),
        MutableString m => new MutableString(m.Span, m.Buffer.Length),
        _ => value, // boxed integers are immutable
    };
}
