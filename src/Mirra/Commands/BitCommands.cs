using System.Numerics;
using System.Runtime.InteropServices;
using Mirra.Config;
using Mirra.Engine;
using Mirra.Storage;

namespace Mirra.Commands;

/// <summary>
/// The bitmap family over string values: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
/// BITFIELD_RO. Bit 0 is the most significant bit of the first byte, as in Redis.
/// </summary>
public static class BitCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("setbit", 4, "write denyoom", 1, 1, 1, SetBit) { Group = "bitmap", Since = "2.2.0", Summary = "Sets or clears one bit of a string, growing it with zero bytes when needed; returns the previous bit." });
        t.Add(new CommandSpec("getbit", 3, "readonly fast", 1, 1, 1, GetBit) { Group = "bitmap", Since = "2.2.0", Summary = "Returns one bit of a string (0 beyond its end)." });
        t.Add(new CommandSpec("bitcount", -2, "readonly", 1, 1, 1, BitCount) { Group = "bitmap", Since = "2.6.0", Complexity = "O(N)", Summary = "Counts the set bits of a string, optionally within a byte or bit range." });
        t.Add(new CommandSpec("bitpos", -3, "readonly", 1, 1, 1, BitPos) { Group = "bitmap", Since = "2.8.7", Complexity = "O(N)", Summary = "Finds the first set or clear bit of a string, optionally within a byte or bit range." });
        t.Add(new CommandSpec("bitop", -4, "write denyoom", 2, -1, 1, BitOp) { Group = "bitmap", Since = "2.6.0", Complexity = "O(N)", KeySpecs = "OW update index:2 range:0:1:0; RO access index:3 range:-1:1:0", Summary = "Stores the bitwise AND, OR, XOR of strings, or the NOT of one, into a key." });
        t.Add(new CommandSpec("bitfield", -2, "write denyoom", 1, 1, 1, BitField) { Group = "bitmap", Since = "3.2.0", Complexity = "O(1) for each subcommand specified", KeySpecs = "RW access update variable_flags notes: This command allows both access and modification of the key", Summary = "Reads, writes and increments integers of any width up to 64 bits at any bit offset of a string." });
        t.Add(new CommandSpec("bitfield_ro", -2, "readonly fast", 1, 1, 1, BitFieldRo) { Group = "bitmap", Since = "6.0.0", Complexity = "O(1) for each subcommand specified", KeySpecs = "RO access", Summary = "The read-only form of BITFIELD: only GET operations." });
    }

    const string BitOffsetError = "ERR bit offset is not an integer or out of range";
    const string BitValueError = "ERR bit is not an integer or out of range";

    /// <summary>A bit offset: a non-negative integer whose byte lies below proto-max-bulk-len.</summary>
    static bool TryGetBitOffset(CommandContext ctx, int i, out long offset)
    {
        if (!Util.Numbers.TryParseStrictLong(ctx.Arg(i), out offset) || offset < 0 ||
            (offset >> 3) >= StringCommands.MaxStringLength(ctx))
        {
            ctx.Error(BitOffsetError);
            return false;
        }
        return true;
    }

    /// <summary>
    /// SETBIT key offset 0|1. Like Redis 7.0, the write only counts (dirty, replication, WATCH)
    /// when the key is created, grows, or the bit actually changes; the value becomes raw either way.
    /// </summary>
    static void SetBit(CommandContext ctx)
    {
        if (!TryGetBitOffset(ctx, 2, out long offset)) return;
        if (!Util.Numbers.TryParseStrictLong(ctx.Arg(3), out long on) || (on & ~1L) != 0) { ctx.Error(BitValueError); return; }
        var key = ctx.Arg(1);
        int index = (int)(offset >> 3);
        int shift = 7 - (int)(offset & 7);
        var e = ctx.LookupWrite(key);
        if (e == null)
        {
            var created = new MutableString(ReadOnlySpan<byte>.Empty, index + 1);
            created.EnsureLength(index + 1);
            created.Buffer[index] = (byte)(on << shift);
            ctx.Db.Add(key.ToArray(), created);
            ctx.Notify(Config.KeyspaceEvents.String, "setbit", key);
            ctx.Dirty();
            ctx.Reply.Integer(0);
            return;
        }
        if (!StringValue.IsString(e.Value)) { ctx.WrongType(); return; }
        if (e.Value is not MutableString m)
        {
            int length = (int)StringValue.Length(e.Value);
            m = StringValue.ToMutable(e.Value, Math.Max(0, index + 1 - length));
            ctx.Db.Reencode(e, m);
        }
        bool grows = index >= m.Length;
        int old = grows ? 0 : (m.Buffer[index] >> shift) & 1;
        if (grows || old != on)
        {
            ctx.Db.Touch(e);
            StringCommands.GrowZero(m, index + 1);
            m.Buffer[index] = (byte)((m.Buffer[index] & ~(1 << shift)) | (int)(on << shift));
            ctx.Notify(Config.KeyspaceEvents.String, "setbit", key);
            ctx.Dirty();
        }
        ctx.Reply.Integer(old);
    }

    /// <summary>GETBIT key offset: 0 for a missing key or past the end.</summary>
    static void GetBit(CommandContext ctx)
    {
        if (!TryGetBitOffset(ctx, 2, out long offset)) return;
        var e = ctx.LookupRead(ctx.Arg(1));
        if (e == null) { ctx.Reply.Integer(0); return; }
        if (!StringValue.IsString(e.Value)) { ctx.WrongType(); return; }
        Span<byte> scratch = stackalloc byte[24];
        var s = StringValue.GetSpan(e.Value, scratch);
        long index = offset >> 3;
        int bit = index < s.Length ? (s[(int)index] >> (7 - (int)(offset & 7))) & 1 : 0;
        ctx.Reply.Integer(bit);
    }

    /// <summary>Parses BYTE|BIT (the unit of BITCOUNT/BITPOS ranges); syntax error otherwise.</summary>
    static bool TryGetUnit(CommandContext ctx, int i, out bool isBit)
    {
        isBit = ctx.ArgIs(i, "bit"u8);
        if (isBit || ctx.ArgIs(i, "byte"u8)) return true;
        ctx.SyntaxError();
        return false;
    }

    /// <summary>Resolves negative indexes and clamps to [0, total-1]; false when the range is empty.</summary>
    static bool ClampRange(ref long start, ref long end, long total)
    {
        if (start < 0) start += total;
        if (end < 0) end += total;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= total) end = total - 1;
        return start <= end;
    }

    /// <summary>
    /// BITCOUNT key [start end [BYTE|BIT]]. As in Redis 7.0, a missing key answers 0 (and a value
    /// of another type WRONGTYPE) before the range arguments are even looked at.
    /// </summary>
    static void BitCount(CommandContext ctx)
    {
        var e = ctx.LookupRead(ctx.Arg(1));
        if (e == null) { ctx.Reply.Integer(0); return; }
        if (!StringValue.IsString(e.Value)) { ctx.WrongType(); return; }
        Span<byte> scratch = stackalloc byte[24];
        var s = StringValue.GetSpan(e.Value, scratch);

        long firstBit, lastBit;
        if (ctx.ArgCount == 4 || ctx.ArgCount == 5)
        {
            if (!ctx.TryGetLong(2, out long start) || !ctx.TryGetLong(3, out long end)) return;
            // Redis 7.0 answers this empty range before looking at the unit.
            if (start < 0 && end < 0 && start > end) { ctx.Reply.Integer(0); return; }
            bool isBit = false;
            if (ctx.ArgCount == 5 && !TryGetUnit(ctx, 4, out isBit)) return;
            long total = isBit ? (long)s.Length * 8 : s.Length;
            if (!ClampRange(ref start, ref end, total)) { ctx.Reply.Integer(0); return; }
            firstBit = isBit ? start : start * 8;
            lastBit = isBit ? end : end * 8 + 7;
        }
        else if (ctx.ArgCount == 2)
        {
            if (s.Length == 0) { ctx.Reply.Integer(0); return; }
            firstBit = 0;
            lastBit = (long)s.Length * 8 - 1;
        }
        else
        {
            ctx.SyntaxError();
            return;
        }
        ctx.Reply.Integer(CountBits(s, firstBit, lastBit));
    }

    /// <summary>Number of set bits between two bit positions, both inclusive.</summary>
    static long CountBits(ReadOnlySpan<byte> s, long firstBit, long lastBit)
    {
        int firstByte = (int)(firstBit >> 3), lastByte = (int)(lastBit >> 3);
        long count = PopCount(s.Slice(firstByte, lastByte - firstByte + 1));
        int before = (0xFF00 >> (int)(firstBit & 7)) & 0xFF;   // bits of the first byte before firstBit
        int after = (1 << (7 - (int)(lastBit & 7))) - 1;        // bits of the last byte after lastBit
        count -= BitOperations.PopCount((uint)(s[firstByte] & before));
        count -= BitOperations.PopCount((uint)(s[lastByte] & after));
        return count;
    }

    static long PopCount(ReadOnlySpan<byte> bytes)
    {
        long count = 0;
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (ulong w in words) count += BitOperations.PopCount(w);
        for (int i = words.Length * 8; i < bytes.Length; i++) count += BitOperations.PopCount(bytes[i]);
        return count;
    }

    /// <summary>
    /// BITPOS key bit [start [end [BYTE|BIT]]]. A missing key is all zeros (0 for a clear bit, -1 for
    /// a set bit). Looking for a clear bit without an explicit end treats the string as followed by
    /// zeros (answers its bit length when all bits are set); with an explicit end, -1.
    /// </summary>
    static void BitPos(CommandContext ctx)
    {
        if (!ctx.TryGetLong(2, out long bit)) return;
        if (bit != 0 && bit != 1) { ctx.Error("ERR The bit argument must be 1 or 0."); return; }
        var e = ctx.LookupRead(ctx.Arg(1));
        if (e == null) { ctx.Reply.Integer(bit == 1 ? -1 : 0); return; }
        if (!StringValue.IsString(e.Value)) { ctx.WrongType(); return; }
        Span<byte> scratch = stackalloc byte[24];
        var s = StringValue.GetSpan(e.Value, scratch);

        long start, end;
        bool isBit = false, endGiven = false;
        if (ctx.ArgCount >= 4 && ctx.ArgCount <= 6)
        {
            if (!ctx.TryGetLong(3, out start)) return;
            if (ctx.ArgCount == 6 && !TryGetUnit(ctx, 5, out isBit)) return;
            if (ctx.ArgCount >= 5)
            {
                if (!ctx.TryGetLong(4, out end)) return;
                endGiven = true;
            }
            else end = s.Length - 1;
            long total = isBit ? (long)s.Length * 8 : s.Length;
            if (!ClampRange(ref start, ref end, total)) { ctx.Reply.Integer(-1); return; }
        }
        else if (ctx.ArgCount == 3)
        {
            start = 0;
            end = s.Length - 1;
            if (start > end) { ctx.Reply.Integer(-1); return; }
        }
        else
        {
            ctx.SyntaxError();
            return;
        }

        long firstBit = isBit ? start : start * 8;
        long lastBit = isBit ? end : end * 8 + 7;
        long pos = FindBit(s, firstBit, lastBit, (int)bit);
        if (pos < 0 && bit == 0 && !endGiven) pos = lastBit + 1;
        ctx.Reply.Integer(pos);
    }

    /// <summary>Position of the first bit equal to <paramref name="target"/> between two bit positions (inclusive), or -1.</summary>
    static long FindBit(ReadOnlySpan<byte> s, long firstBit, long lastBit, int target)
    {
        int firstByte = (int)(firstBit >> 3), lastByte = (int)(lastBit >> 3);
        byte flip = target == 1 ? (byte)0 : (byte)0xFF;     // after flipping, we look for a set bit
        int head = 0xFF >> (int)(firstBit & 7);              // bits of the first byte from firstBit on
        int tail = (0xFF << (7 - (int)(lastBit & 7))) & 0xFF; // bits of the last byte up to lastBit
        if (firstByte == lastByte)
        {
            int only = (s[firstByte] ^ flip) & head & tail;
            return only != 0 ? (long)firstByte * 8 + FirstSetBit(only) : -1;
        }
        int first = (s[firstByte] ^ flip) & head;
        if (first != 0) return (long)firstByte * 8 + FirstSetBit(first);
        var middle = s.Slice(firstByte + 1, lastByte - firstByte - 1);
        int found = middle.IndexOfAnyExcept(flip);
        if (found >= 0)
        {
            int at = firstByte + 1 + found;
            return (long)at * 8 + FirstSetBit(s[at] ^ flip);
        }
        int last = (s[lastByte] ^ flip) & tail;
        return last != 0 ? (long)lastByte * 8 + FirstSetBit(last) : -1;
    }

    /// <summary>Index (0 = most significant) of the first set bit of a non-zero byte.</summary>
    static int FirstSetBit(int b) => BitOperations.LeadingZeroCount((uint)b) - 24;

    // ---- BITOP ----

    /// <summary>
    /// BITOP AND|OR|XOR|NOT destkey key [key ...]: missing keys and the bytes past a shorter string
    /// count as zeros; the result is as long as the longest input. An empty result deletes destkey.
    /// Replies the result's length.
    /// </summary>
    static void BitOp(CommandContext ctx)
    {
        int op;
        if (ctx.ArgIs(1, "and"u8)) op = 0;
        else if (ctx.ArgIs(1, "or"u8)) op = 1;
        else if (ctx.ArgIs(1, "xor"u8)) op = 2;
        else if (ctx.ArgIs(1, "not"u8)) op = 3;
        else { ctx.SyntaxError(); return; }
        if (op == 3 && ctx.ArgCount != 4) { ctx.Error("ERR BITOP NOT must be called with a single source key."); return; }

        int count = ctx.ArgCount - 3;
        var sources = new byte[count][];
        int maxLength = 0;
        for (int j = 0; j < count; j++)
        {
            var o = ctx.LookupRead(ctx.Arg(j + 3));
            if (o == null) { sources[j] = Array.Empty<byte>(); continue; }
            if (!StringValue.IsString(o.Value)) { ctx.WrongType(); return; }
            sources[j] = o.Value is MutableString m ? m.Span.ToArray() : StringValue.ToArray(o.Value);
            if (sources[j].Length > maxLength) maxLength = sources[j].Length;
        }

        var dest = ctx.Arg(2);
        if (maxLength > 0)
        {
            var result = new MutableString(ReadOnlySpan<byte>.Empty, maxLength);
            result.EnsureLength(maxLength);
            var r = result.Span;
            var first = sources[0];
            first.CopyTo(r);
            if (op == 3)
            {
                for (int i = 0; i < r.Length; i++) r[i] = (byte)~r[i];
            }
            else
            {
                for (int j = 1; j < count; j++)
                {
                    var s = sources[j];
                    switch (op)
                    {
                        case 0:
                            for (int i = 0; i < s.Length; i++) r[i] &= s[i];
                            r[s.Length..].Clear();
                            break;
                        case 1:
                            for (int i = 0; i < s.Length; i++) r[i] |= s[i];
                            break;
                        default:
                            for (int i = 0; i < s.Length; i++) r[i] ^= s[i];
                            break;
                    }
                }
            }
            ctx.LookupWrite(dest); // a stale destination expires first, as in Redis's setKey
            ctx.Db.Set(dest, result);
            ctx.Notify(KeyspaceEvents.String, "set", dest);
            ctx.Dirty();
        }
        else if (ctx.LookupWrite(dest) != null && ctx.Db.Delete(dest))
        {
            ctx.Notify(KeyspaceEvents.Generic, "del", dest);
            ctx.Dirty();
        }
        ctx.Reply.Integer(maxLength);
    }

    // ---- BITFIELD ----

    enum Overflow { Wrap, Sat, Fail }

    struct BitFieldOp
    {
        public int Kind; // 0 GET, 1 SET, 2 INCRBY
        public long Offset;
        public long Value;
        public int Bits;
        public bool Signed;
        public Overflow Overflow;
    }

    const string BitFieldTypeError = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

    static void BitField(CommandContext ctx) => BitFieldGeneric(ctx, readOnly: false);
    static void BitFieldRo(CommandContext ctx) => BitFieldGeneric(ctx, readOnly: true);

    /// <summary>
    /// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment]
    /// [OVERFLOW WRAP|SAT|FAIL] ...: all arguments are checked first, then the operations run in
    /// order on the same string (grown with zeros to the furthest bit written). Types are i1..i64 and
    /// u1..u63; "#n" offsets count in units of the type's width. SET replies the old value, INCRBY the
    /// new one, and with OVERFLOW FAIL an overflowing write is skipped and replies nil.
    /// </summary>
    static void BitFieldGeneric(CommandContext ctx, bool readOnly)
    {
        var ops = new List<BitFieldOp>();
        var overflow = Overflow.Wrap;
        bool writes = false;
        long highestWrite = 0;
        for (int j = 2; j < ctx.ArgCount; j++)
        {
            int remaining = ctx.ArgCount - j - 1;
            int kind;
            if (ctx.ArgIs(j, "get"u8) && remaining >= 2) kind = 0;
            else if (ctx.ArgIs(j, "set"u8) && remaining >= 3) kind = 1;
            else if (ctx.ArgIs(j, "incrby"u8) && remaining >= 3) kind = 2;
            else if (ctx.ArgIs(j, "overflow"u8) && remaining >= 1)
            {
                j++;
                if (ctx.ArgIs(j, "wrap"u8)) overflow = Overflow.Wrap;
                else if (ctx.ArgIs(j, "sat"u8)) overflow = Overflow.Sat;
                else if (ctx.ArgIs(j, "fail"u8)) overflow = Overflow.Fail;
                else { ctx.Error("ERR Invalid OVERFLOW type specified"); return; }
                continue;
            }
            else { ctx.SyntaxError(); return; }

            if (!TryGetBitFieldType(ctx, j + 1, out bool signed, out int bits)) return;
            if (!TryGetBitFieldOffset(ctx, j + 2, bits, out long offset)) return;
            long value = 0;
            if (kind != 0)
            {
                writes = true;
                if (highestWrite < offset + bits - 1) highestWrite = offset + bits - 1;
                if (!ctx.TryGetLong(j + 3, out value)) return;
            }
            ops.Add(new BitFieldOp { Kind = kind, Offset = offset, Value = value, Bits = bits, Signed = signed, Overflow = overflow });
            j += kind == 0 ? 2 : 3;
        }

        var key = ctx.Arg(1);
        KeyEntry? e;
        MutableString? target = null;
        bool grown = false, announced = false;
        if (!writes)
        {
            e = ctx.LookupRead(key);
            if (e != null && !StringValue.IsString(e.Value)) { ctx.WrongType(); return; }
        }
        else
        {
            if (readOnly) { ctx.Error("ERR BITFIELD_RO only supports the GET subcommand"); return; }
            // Redis's lookupStringForBitCommand: the string, created or grown with zeros up to the furthest bit written.
            e = ctx.LookupWrite(key);
            if (e != null && !StringValue.IsString(e.Value)) { ctx.WrongType(); return; }
            int length = (int)(highestWrite >> 3) + 1;
            if (e == null)
            {
                target = new MutableString(ReadOnlySpan<byte>.Empty, length);
                target.EnsureLength(length);
                e = ctx.Db.Add(key.ToArray(), target);
                grown = announced = true;
            }
            else
            {
                if (e.Value is not MutableString m)
                {
                    m = StringValue.ToMutable(e.Value, Math.Max(0, length - (int)StringValue.Length(e.Value)));
                    ctx.Db.Reencode(e, m);
                }
                target = m;
                if (length > target.Length)
                {
                    ctx.Db.Touch(e);
                    StringCommands.GrowZero(target, length);
                    grown = announced = true;
                }
            }
        }

        ctx.Reply.ArrayHeader(ops.Count);
        long changes = 0;
        Span<byte> scratch = stackalloc byte[24];
        Span<byte> window = stackalloc byte[9];
        foreach (var op in ops)
        {
            if (op.Kind == 0)
            {
                // GET reads past the end as zeros: up to 9 bytes copied into a zeroed window.
                ReadOnlySpan<byte> s = target != null ? target.Span : e != null ? StringValue.GetSpan(e.Value, scratch) : default;
                window.Clear();
                long firstByte = op.Offset >> 3;
                for (int i = 0; i < 9 && firstByte + i < s.Length; i++) window[i] = s[(int)(firstByte + i)];
                ulong raw = GetBits(window, (int)(op.Offset - firstByte * 8), op.Bits);
                ctx.Reply.Integer(op.Signed ? SignExtend(raw, op.Bits) : (long)raw);
                continue;
            }

            var bytes = target!.Span;
            ulong old = GetBits(bytes, op.Offset, op.Bits);
            bool overflowed;
            ulong stored;
            long reply;
            if (op.Signed)
            {
                long oldValue = SignExtend(old, op.Bits);
                long newValue;
                if (op.Kind == 2)
                {
                    overflowed = SignedOverflow(oldValue, op.Value, op.Bits, op.Overflow, out long limit);
                    newValue = overflowed ? limit : unchecked(oldValue + op.Value);
                    reply = newValue;
                }
                else
                {
                    newValue = op.Value;
                    overflowed = SignedOverflow(newValue, 0, op.Bits, op.Overflow, out long limit);
                    if (overflowed) newValue = limit;
                    reply = oldValue;
                }
                stored = (ulong)newValue;
            }
            else
            {
                ulong newValue;
                if (op.Kind == 2)
                {
                    newValue = unchecked(old + (ulong)op.Value);
                    overflowed = UnsignedOverflow(old, op.Value, op.Bits, op.Overflow, out ulong limit);
                    if (overflowed) newValue = limit;
                    reply = (long)newValue;
                }
                else
                {
                    newValue = (ulong)op.Value;
                    overflowed = UnsignedOverflow(newValue, 0, op.Bits, op.Overflow, out ulong limit);
                    if (overflowed) newValue = limit;
                    reply = (long)old;
                }
                stored = newValue;
            }
            if (overflowed && op.Overflow == Overflow.Fail)
            {
                ctx.Reply.Null();
                continue;
            }
            ctx.Reply.Integer(reply);
            // Like Redis 7.0: a write counts when the string was created or grown, or the field changed.
            ulong mask = op.Bits == 64 ? ulong.MaxValue : (1UL << op.Bits) - 1;
            if (!grown && (stored & mask) == old) continue;
            if (!announced)
            {
                ctx.Db.Touch(e!);
                announced = true;
            }
            SetBits(bytes, op.Offset, op.Bits, stored);
            changes++;
        }

        if (changes > 0)
        {
            ctx.Notify(KeyspaceEvents.String, "setbit", key);
            ctx.Dirty(changes);
        }
    }

    /// <summary>i1..i64 or u1..u63 (lowercase prefix only, like Redis).</summary>
    static bool TryGetBitFieldType(CommandContext ctx, int i, out bool signed, out int bits)
    {
        var a = ctx.Arg(i);
        signed = false;
        bits = 0;
        if (a.Length == 0 || (a[0] != 'i' && a[0] != 'u')) { ctx.Error(BitFieldTypeError); return false; }
        signed = a[0] == 'i';
        if (!Util.Numbers.TryParseStrictLong(a[1..], out long n) || n < 1 || (signed && n > 64) || (!signed && n > 63))
        {
            ctx.Error(BitFieldTypeError);
            return false;
        }
        bits = (int)n;
        return true;
    }

    /// <summary>A bit offset, or "#n" meaning n times the type's width (Redis's getBitOffsetFromArgument).</summary>
    static bool TryGetBitFieldOffset(CommandContext ctx, int i, int bits, out long offset)
    {
        var a = ctx.Arg(i);
        bool hash = a.Length > 0 && a[0] == '#';
        if (!Util.Numbers.TryParseStrictLong(hash ? a[1..] : a, out offset)) { ctx.Error(BitOffsetError); return false; }
        if (hash) offset = unchecked(offset * bits);
        if (offset < 0 || (offset >> 3) >= StringCommands.MaxStringLength(ctx)) { ctx.Error(BitOffsetError); return false; }
        return true;
    }

    /// <summary>Reads <paramref name="bits"/> bits starting at a bit offset, most significant first.</summary>
    static ulong GetBits(ReadOnlySpan<byte> p, long offset, int bits)
    {
        ulong value = 0;
        for (int j = 0; j < bits; j++, offset++)
        {
            int bit = (p[(int)(offset >> 3)] >> (7 - (int)(offset & 7))) & 1;
            value = (value << 1) | (uint)bit;
        }
        return value;
    }

    static void SetBits(Span<byte> p, long offset, int bits, ulong value)
    {
        for (int j = 0; j < bits; j++, offset++)
        {
            int bitValue = (value & (1UL << (bits - 1 - j))) != 0 ? 1 : 0;
            int index = (int)(offset >> 3);
            int shift = 7 - (int)(offset & 7);
            p[index] = (byte)((p[index] & ~(1 << shift)) | (bitValue << shift));
        }
    }

    static long SignExtend(ulong raw, int bits)
    {
        long value = (long)raw;
        if (bits < 64 && (value & (1L << (bits - 1))) != 0) value |= -1L << bits;
        return value;
    }

    /// <summary>Redis's checkUnsignedBitfieldOverflow: whether value+incr leaves [0, 2^bits-1], and the value to store instead (WRAP, SAT).</summary>
    static bool UnsignedOverflow(ulong value, long incr, int bits, Overflow mode, out ulong limit)
    {
        ulong max = (1UL << bits) - 1;
        long maxIncr = unchecked((long)(max - value));
        long minIncr = unchecked(-(long)value);
        limit = 0;
        if (value > max || (incr > 0 && incr > maxIncr))
        {
            if (mode == Overflow.Wrap) limit = unchecked(value + (ulong)incr) & max;
            else if (mode == Overflow.Sat) limit = max;
            return true;
        }
        if (incr < 0 && incr < minIncr)
        {
            if (mode == Overflow.Wrap) limit = unchecked(value + (ulong)incr) & max;
            else if (mode == Overflow.Sat) limit = 0;
            return true;
        }
        return false;
    }

    /// <summary>Redis's checkSignedBitfieldOverflow: whether value+incr leaves the signed range of the width, and the value to store instead.</summary>
    static bool SignedOverflow(long value, long incr, int bits, Overflow mode, out long limit)
    {
        long max = bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1;
        long min = -max - 1;
        long maxIncr = unchecked((long)((ulong)max - (ulong)value));
        long minIncr = unchecked(min - value);
        limit = 0;
        bool over = value > max || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr);
        bool under = !over && (value < min || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr));
        if (!over && !under) return false;
        if (mode == Overflow.Wrap)
        {
            ulong c = unchecked((ulong)value + (ulong)incr);
            if (bits < 64)
            {
                ulong mask = ulong.MaxValue << bits;
                c = (c & (1UL << (bits - 1))) != 0 ? c | mask : c & ~mask;
            }
            limit = (long)c;
        }
        else if (mode == Overflow.Sat) limit = over ? max : min;
        return true;
    }
}
