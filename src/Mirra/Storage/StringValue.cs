using System.Buffers.Text;
using Mirra.Util;

namespace Mirra.Storage;

/// <summary>
/// A string value that APPEND, SETRANGE or SETBIT grew in place (Redis's "raw" sds with free space):
/// appends are amortized O(1) instead of copying the whole value each time.
/// </summary>
public sealed class MutableString
{
    public byte[] Buffer;
    public int Length;

    public MutableString(ReadOnlySpan<byte> initial, int capacity)
    {
        Buffer = new byte[Math.Max(capacity, initial.Length)];
        initial.CopyTo(Buffer);
        Length = initial.Length;
    }

    public Span<byte> Span => Buffer.AsSpan(0, Length);

    public void EnsureLength(int length)
    {
        if (length > Buffer.Length)
        {
            // Like sdsMakeRoomFor: double small strings, add 1 MB to large ones.
            int capacity = length < 1024 * 1024 ? length * 2 : length + 1024 * 1024;
            Array.Resize(ref Buffer, capacity);
        }
        if (length > Length) Length = length;
    }
}

/// <summary>
/// String values are one of three CLR objects, mirroring Redis's encodings:
/// a boxed <see cref="long"/> ("int"), a <c>byte[]</c> ("embstr" up to 44 bytes, else "raw"),
/// or a <see cref="MutableString"/> ("raw"). Small integers are shared like Redis's shared integers.
/// </summary>
public static class StringValue
{
    public const int SharedIntegers = 10000;
    public const int EmbstrLimit = 44;
    static readonly object[] Shared = BuildShared();

    static object[] BuildShared()
    {
        var a = new object[SharedIntegers];
        for (int i = 0; i < a.Length; i++) a[i] = (long)i;
        return a;
    }

    public static bool IsString(object value) => value is byte[] || value is long || value is MutableString;

    /// <summary>Stores bytes the way Redis's tryObjectEncoding would: as an integer when they are one.</summary>
    public static object FromBytes(byte[] bytes)
    {
        if (bytes.Length <= 20 && Numbers.TryParseStrictLong(bytes, out long v)) return FromLong(v);
        return bytes;
    }

    /// <summary>
    /// String values of at least this many bytes are allocated on the pinned object heap, which the GC never
    /// copies: a value stored by SET lives until it is overwritten, so in the ordinary heap it would be copied
    /// twice on its way to the old generation, and those copies are most of a young collection's pause. Below
    /// this size a pinned allocation costs more than the copies it saves (measured: 64-byte values 2-5x slower
    /// to allocate pinned; from 256 bytes on, pinned is as fast or faster, with a tenth of the GC pause).
    /// </summary>
    public const int PinnedValueBytes = 256;

    public static object FromSpan(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= 20 && Numbers.TryParseStrictLong(bytes, out long v)) return FromLong(v);
        if (bytes.Length >= PinnedValueBytes)
        {
            var pinned = GC.AllocateUninitializedArray<byte>(bytes.Length, pinned: true);
            bytes.CopyTo(pinned);
            return pinned;
        }
        return bytes.ToArray();
    }

    public static object FromLong(long v) => (ulong)v < SharedIntegers ? Shared[v] : v;

    public static bool IsShared(object value) => value is long l && (ulong)l < SharedIntegers && ReferenceEquals(value, Shared[l]);

    /// <summary>The bytes of a string value; integers are formatted into <paramref name="scratch"/> (24 bytes).</summary>
    public static ReadOnlySpan<byte> GetSpan(object value, Span<byte> scratch)
    {
        switch (value)
        {
            case byte[] b: return b;
            case long l:
                Utf8Formatter.TryFormat(l, scratch, out int n);
                return scratch[..n];
            case MutableString m: return m.Span;
            default: throw new InvalidOperationException("not a string value");
        }
    }

    public static byte[] ToArray(object value)
    {
        Span<byte> scratch = stackalloc byte[24];
        return value is byte[] b ? b : GetSpan(value, scratch).ToArray();
    }

    public static long Length(object value) => value switch
    {
        byte[] b => b.Length,
        long l => Numbers.DigitCount(l),
        MutableString m => m.Length,
        _ => 0,
    };

    public static string Encoding(object value) => value switch
    {
        long => "int",
        byte[] b => b.Length <= EmbstrLimit ? "embstr" : "raw",
        _ => "raw",
    };

    /// <summary>Reads the value as an integer (INCR family): int encoding, or bytes that parse strictly.</summary>
    public static bool TryGetLong(object value, out long result)
    {
        if (value is long l) { result = l; return true; }
        Span<byte> scratch = stackalloc byte[24];
        var span = GetSpan(value, scratch);
        return Numbers.TryParseStrictLong(span, out result);
    }

    /// <summary>Turns a value into a mutable one for APPEND/SETRANGE/SETBIT.</summary>
    public static MutableString ToMutable(object value, int extra)
    {
        if (value is MutableString m) return m;
        Span<byte> scratch = stackalloc byte[24];
        var span = GetSpan(value, scratch);
        return new MutableString(span, span.Length + extra);
    }
}
