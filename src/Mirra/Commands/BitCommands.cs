using System.Numerics;
using System.Runtime.InteropServices;
using Mirra.Engine;
using Mirra.Storage;

namespace Mirra.Commands;

/// <summary>
/// The bitmap family over string values: SETBIT, GETBIT, BITCOUNT, BITPOS. Bit 0 is the most
/// significant bit of the first byte, as in Redis.
/// </summary>
public static class BitCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("setbit", 4, "write denyoom", 1, 1, 1, SetBit) { Group = "bitmap", Since = "2.2.0", Summary = "Sets or clears one bit of a string, growing it with zero bytes when needed; returns the previous bit." });
        t.Add(new CommandSpec("getbit", 3, "readonly fast", 1, 1, 1, GetBit) { Group = "bitmap", Since = "2.2.0", Summary = "Returns one bit of a string (0 beyond its end)." });
        t.Add(new CommandSpec("bitcount", -2, "readonly", 1, 1, 1, BitCount) { Group = "bitmap", Since = "2.6.0", Complexity = "O(N)", Summary = "Counts the set bits of a string, optionally within a byte or bit range." });
        t.Add(new CommandSpec("bitpos", -3, "readonly", 1, 1, 1, BitPos) { Group = "bitmap", Since = "2.8.7", Complexity = "O(N)", Summary = "Finds the first set or clear bit of a string, optionally within a byte or bit range." });
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
}
