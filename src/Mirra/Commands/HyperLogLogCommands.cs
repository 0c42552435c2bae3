using Mirra.Config;
using Mirra.Engine;
using Mirra.Storage;

namespace Mirra.Commands;

/// <summary>
/// PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST over string values in Redis's HyperLogLog format
/// (<see cref="HyperLogLog"/>): a HyperLogLog is an ordinary string (GET, DUMP, APPEND work on it).
/// </summary>
public static class HyperLogLogCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("pfadd", -2, "write denyoom fast", 1, 1, 1, PfAdd) { Group = "hyperloglog", Since = "2.8.9", Complexity = "O(1) to add every element.", KeySpecs = "RW insert", Summary = "Adds elements to a HyperLogLog, creating it when missing; 1 when its estimate may have changed." });
        t.Add(new CommandSpec("pfcount", -2, "readonly", 1, -1, 1, PfCount) { Group = "hyperloglog", Since = "2.8.9", KeySpecs = "RW access notes: RW because it may change the internal representation of the key, and propagate to replicas", Summary = "Estimates the number of distinct elements added to one HyperLogLog, or to the union of several.", Complexity = "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys." });
        t.Add(new CommandSpec("pfmerge", -2, "write denyoom", 1, -1, 1, PfMerge) { Group = "hyperloglog", Since = "2.8.9", Complexity = "O(N) to merge N HyperLogLogs, but with high constant times.", KeySpecs = "RW access insert index:1 range:0:1:0; RO access index:2 range:-1:1:0", Summary = "Stores the union of HyperLogLogs into the first key." });
        t.Add(new CommandSpec("pfdebug", 3, "write denyoom admin", 2, 2, 1, PfDebug) { Group = "hyperloglog", Since = "2.8.9", Complexity = "N/A", KeySpecs = "RW access", Summary = "Inspects or converts the internal representation of a HyperLogLog." });
        t.Add(new CommandSpec("pfselftest", 1, "admin", 0, 0, 0, PfSelfTest) { Group = "hyperloglog", Since = "2.8.9", Complexity = "N/A", Summary = "Checks the HyperLogLog implementation." });
    }

    /// <summary>
    /// The HyperLogLog bytes of a key's value, made mutable (Redis's dbUnshareStringValue), or null
    /// after replying WRONGTYPE (another type, an integer, or a string that is no valid HyperLogLog).
    /// </summary>
    static MutableString? AsHyperLogLog(CommandContext ctx, KeyEntry e)
    {
        if (!StringValue.IsString(e.Value)) { ctx.WrongType(); return null; }
        if (!IsHyperLogLog(e.Value)) { ctx.Error(HyperLogLog.WrongTypeError); return null; }
        if (e.Value is MutableString m) return m;
        m = StringValue.ToMutable(e.Value, 0);
        ctx.Db.Reencode(e, m);
        return m;
    }

    /// <summary>Type check for reading (no conversion): the value is a valid HyperLogLog, or the error was replied.</summary>
    static bool CheckHyperLogLog(CommandContext ctx, KeyEntry e)
    {
        if (!StringValue.IsString(e.Value)) { ctx.WrongType(); return false; }
        if (!IsHyperLogLog(e.Value)) { ctx.Error(HyperLogLog.WrongTypeError); return false; }
        return true;
    }

    /// <summary>Integer-encoded strings never are (Redis requires a raw/embstr string).</summary>
    static bool IsHyperLogLog(object value) => value switch
    {
        byte[] b => HyperLogLog.IsValid(b),
        MutableString m => HyperLogLog.IsValid(m.Span),
        _ => false,
    };

    static ReadOnlySpan<byte> Bytes(object value) => value is MutableString m ? m.Span : (byte[])value;

    /// <summary>PFADD key [element ...]: 1 when the key was created or a register changed.</summary>
    static void PfAdd(CommandContext ctx)
    {
        var key = ctx.Arg(1);
        var e = ctx.LookupWrite(key);
        long updated = 0;
        MutableString hll;
        bool announced;
        if (e == null)
        {
            hll = HyperLogLog.CreateEmpty();
            ctx.Db.Add(key.ToArray(), hll);
            updated++;
            announced = true;
        }
        else
        {
            var existing = AsHyperLogLog(ctx, e);
            if (existing == null) return;
            hll = existing;
            announced = false;
        }
        long maxSparse = ctx.Server.Config.HllSparseMaxBytes;
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            var element = ctx.Arg(i);
            if (!announced)
            {
                if (!HyperLogLog.WouldChange(hll.Span, element)) continue;
                ctx.Db.Touch(e!); // the first real change: announce the write before making it
                announced = true;
            }
            int result = HyperLogLog.Add(hll, element, maxSparse);
            if (result < 0) { ctx.Error(HyperLogLog.InvalidError); return; }
            updated += result;
        }
        if (updated > 0)
        {
            HyperLogLog.InvalidateCache(hll.Span);
            ctx.Notify(KeyspaceEvents.String, "pfadd", key);
            ctx.Dirty(updated);
        }
        ctx.Reply.Integer(updated > 0 ? 1 : 0);
    }

    /// <summary>
    /// PFCOUNT key [key ...]. One key: the cached cardinality, or a fresh estimate that is then cached
    /// in the header (a write: it invalidates WATCH and is replicated, as in Redis). Several keys: the
    /// estimate of their union, computed on the side (nothing is written). Missing keys are empty.
    /// </summary>
    static void PfCount(CommandContext ctx)
    {
        if (ctx.ArgCount > 2)
        {
            var max = new byte[HyperLogLog.Registers];
            for (int i = 1; i < ctx.ArgCount; i++)
            {
                var o = ctx.LookupRead(ctx.Arg(i));
                if (o == null) continue;
                if (!CheckHyperLogLog(ctx, o)) return;
                if (!HyperLogLog.MergeInto(max, Bytes(o.Value))) { ctx.Error(HyperLogLog.InvalidError); return; }
            }
            ctx.Reply.Integer((long)HyperLogLog.CountRegisters(max));
            return;
        }

        var key = ctx.Arg(1);
        var e = ctx.LookupRead(key);
        if (e == null) { ctx.Reply.Integer(0); return; }
        var hll = AsHyperLogLog(ctx, e);
        if (hll == null) return;
        ulong card;
        if (HyperLogLog.IsCacheValid(hll.Span))
        {
            card = HyperLogLog.CachedCardinality(hll.Span);
        }
        else
        {
            card = HyperLogLog.Count(hll.Span, out bool invalid);
            if (invalid) { ctx.Error(HyperLogLog.InvalidError); return; }
            ctx.Db.Touch(e);
            HyperLogLog.SetCachedCardinality(hll.Span, card);
            ctx.Dirty();
        }
        ctx.Reply.Integer((long)card);
    }

    /// <summary>
    /// PFMERGE destkey [sourcekey ...]: the destination (itself part of the union) receives the
    /// register-wise maximum; it becomes dense when one input is dense. Always counts as a write and
    /// announces "pfadd", like Redis.
    /// </summary>
    static void PfMerge(CommandContext ctx)
    {
        var max = new byte[HyperLogLog.Registers];
        bool useDense = false;
        for (int i = 1; i < ctx.ArgCount; i++)
        {
            var o = ctx.LookupRead(ctx.Arg(i));
            if (o == null) continue;
            if (!CheckHyperLogLog(ctx, o)) return;
            var bytes = Bytes(o.Value);
            if (HyperLogLog.EncodingOf(bytes) == HyperLogLog.Dense) useDense = true;
            if (!HyperLogLog.MergeInto(max, bytes)) { ctx.Error(HyperLogLog.InvalidError); return; }
        }

        var key = ctx.Arg(1);
        var e = ctx.LookupWrite(key);
        MutableString hll;
        if (e == null)
        {
            hll = HyperLogLog.CreateEmpty();
            ctx.Db.Add(key.ToArray(), hll);
        }
        else
        {
            // Checked above while merging: a valid HyperLogLog string.
            if (e.Value is MutableString m) hll = m;
            else
            {
                hll = StringValue.ToMutable(e.Value, 0);
                ctx.Db.Reencode(e, hll);
            }
            ctx.Db.Touch(e);
        }
        if (useDense && !HyperLogLog.SparseToDense(hll)) { ctx.Error(HyperLogLog.InvalidError); return; }

        long maxSparse = ctx.Server.Config.HllSparseMaxBytes;
        for (int j = 0; j < HyperLogLog.Registers; j++)
        {
            if (max[j] == 0) continue;
            if (hll.Buffer[4] == HyperLogLog.Dense) HyperLogLog.DenseSet(hll.Span[HyperLogLog.HeaderSize..], j, max[j]);
            else HyperLogLog.SparseSet(hll, j, max[j], maxSparse);
        }
        HyperLogLog.InvalidateCache(hll.Span);
        ctx.Notify(KeyspaceEvents.String, "pfadd", key);
        ctx.Dirty();
        ctx.Reply.Ok();
    }

    /// <summary>PFDEBUG GETREG|DECODE|ENCODING|TODENSE key.</summary>
    static void PfDebug(CommandContext ctx)
    {
        var key = ctx.Arg(2);
        var e = ctx.LookupWrite(key);
        if (e == null) { ctx.Error("ERR The specified key does not exist"); return; }
        var hll = AsHyperLogLog(ctx, e);
        if (hll == null) return;
        string sub = ctx.ArgString(1);
        if (ctx.ArgIs(1, "getreg"u8))
        {
            if (hll.Buffer[4] == HyperLogLog.Sparse)
            {
                if (!ToDense(ctx, e, hll)) return;
            }
            var registers = hll.Span[HyperLogLog.HeaderSize..];
            ctx.Reply.ArrayHeader(HyperLogLog.Registers);
            for (int j = 0; j < HyperLogLog.Registers; j++) ctx.Reply.Integer(HyperLogLog.GetDenseRegister(registers, j));
        }
        else if (ctx.ArgIs(1, "decode"u8))
        {
            if (hll.Buffer[4] != HyperLogLog.Sparse) { ctx.Error("ERR HLL encoding is not sparse"); return; }
            ctx.Reply.Bulk(HyperLogLog.Decode(hll.Span));
        }
        else if (ctx.ArgIs(1, "encoding"u8))
        {
            ctx.Reply.SimpleString(hll.Buffer[4] == HyperLogLog.Dense ? "dense" : "sparse");
        }
        else if (ctx.ArgIs(1, "todense"u8))
        {
            bool converted = false;
            if (hll.Buffer[4] == HyperLogLog.Sparse)
            {
                if (!ToDense(ctx, e, hll)) return;
                converted = true;
            }
            ctx.Reply.Integer(converted ? 1 : 0);
        }
        else ctx.Error($"ERR Unknown PFDEBUG subcommand '{sub}'");
    }

    /// <summary>Converts to dense as a write (replicated: the replicas convert too).</summary>
    static bool ToDense(CommandContext ctx, KeyEntry e, MutableString hll)
    {
        var copy = new MutableString(hll.Span, hll.Length);
        if (!HyperLogLog.SparseToDense(copy)) { ctx.Error(HyperLogLog.InvalidError); return false; }
        ctx.Db.Touch(e);
        hll.Buffer = copy.Buffer;
        hll.Length = copy.Length;
        ctx.Dirty();
        return true;
    }

    /// <summary>
    /// PFSELFTEST: checks the register packing (every register set and read back with random values)
    /// and that sparse and dense representations of the same additions agree, with estimates within
    /// the expected error, up to past the sparse limit.
    /// </summary>
    static void PfSelfTest(CommandContext ctx)
    {
        var rng = new Random(1234);
        var registers = new byte[HyperLogLog.DenseSize - HyperLogLog.HeaderSize];
        var expected = new byte[HyperLogLog.Registers];
        for (int round = 0; round < 1000; round++)
        {
            for (int j = 0; j < HyperLogLog.Registers; j++)
            {
                expected[j] = (byte)rng.Next(64);
                HyperLogLog.SetDenseRegister(registers, j, expected[j]);
            }
            for (int j = 0; j < HyperLogLog.Registers; j++)
            {
                if (HyperLogLog.GetDenseRegister(registers, j) != expected[j])
                {
                    ctx.Error($"TESTFAILED Register error at {j}");
                    return;
                }
            }
        }

        var sparse = HyperLogLog.CreateEmpty();
        var dense = HyperLogLog.CreateEmpty();
        HyperLogLog.SparseToDense(dense);
        double relativeError = 1.04 / Math.Sqrt(HyperLogLog.Registers);
        Span<byte> element = stackalloc byte[8];
        long checkpoint = 1;
        for (long j = 1; j <= 100_000; j++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(element, rng.NextInt64());
            HyperLogLog.Add(sparse, element, 3000);
            HyperLogLog.Add(dense, element, 3000);
            if (j != checkpoint) continue;
            checkpoint *= 10;
            ulong a = HyperLogLog.Count(sparse.Span, out _), b = HyperLogLog.Count(dense.Span, out _);
            if (a != b)
            {
                ctx.Error($"TESTFAILED dense/sparse disagree: {b} != {a}");
                return;
            }
            double maxError = j <= 10 ? 1 : j <= 100 ? relativeError * 5 * j : relativeError * 4 * j;
            if (Math.Abs((double)b - j) > maxError)
            {
                ctx.Error($"TESTFAILED Too big error. card:{j} abserr:{Math.Abs((double)b - j)}");
                return;
            }
        }
        ctx.Reply.Ok();
    }
}
