using System.Buffers.Binary;

namespace Mirra.Storage;

/// <summary>
/// HyperLogLog values in Redis's exact string format, so the bytes a GET returns are the ones
/// redis-server stores for the same additions (and RDB/DUMP payloads travel both ways):
/// a 16-byte header ("HYLL", encoding byte, 3 unused bytes, the cached cardinality as 8 little-endian
/// bytes whose top bit marks it stale) followed by 16384 six-bit registers, either dense (12288 bytes,
/// registers packed least significant bits first) or sparse (run-length opcodes: ZERO 00xxxxxx for
/// 1-64 zero registers, XZERO 01xxxxxx yyyyyyyy for 1-16384, VAL 1vvvvvxx for 1-4 registers set to 1-32).
/// Elements are hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits pick the register, the
/// run of zeros that follows (plus one) is the candidate value. Cardinality uses Ertl's improved
/// estimator from the register histogram, as Redis 5+ does.
/// </summary>
public static class HyperLogLog
{
    public const int P = 14;
    public const int Q = 64 - P;
    public const int Registers = 1 << P;
    const int PMask = Registers - 1;
    public const int Bits = 6;
    const int RegisterMax = (1 << Bits) - 1;
    public const int HeaderSize = 16;
    public const int DenseSize = HeaderSize + (Registers * Bits + 7) / 8;
    public const byte Dense = 0;
    public const byte Sparse = 1;
    const byte MaxEncoding = 1;
    const uint Seed = 0xadc83b19;

    const int SparseValMaxValue = 32;
    const int SparseValMaxLen = 4;
    const int SparseZeroMaxLen = 64;
    const int SparseXZeroMaxLen = 16384;
    const double AlphaInf = 0.721347520444481703680; // 1 / (2 ln 2)

    public const string InvalidError = "INVALIDOBJ Corrupted HLL object detected";
    public const string WrongTypeError = "WRONGTYPE Key is not a valid HyperLogLog string value.";

    // ---- Sparse opcodes ----
    static bool IsZero(byte op) => (op & 0xc0) == 0;
    static bool IsXZero(byte op) => (op & 0xc0) == 0x40;
    static bool IsVal(byte op) => (op & 0x80) != 0;
    static int ZeroLen(byte op) => (op & 0x3f) + 1;
    static int XZeroLen(byte op, byte next) => (((op & 0x3f) << 8) | next) + 1;
    static int ValValue(byte op) => ((op >> 2) & 0x1f) + 1;
    static int ValLen(byte op) => (op & 0x3) + 1;
    static byte ValOp(int value, int len) => (byte)(0x80 | ((value - 1) << 2) | (len - 1));
    static byte ZeroOp(int len) => (byte)(len - 1);
    static byte XZeroHigh(int len) => (byte)(((len - 1) >> 8) | 0x40);
    static byte XZeroLow(int len) => (byte)((len - 1) & 0xff);

    /// <summary>The byte at <paramref name="i"/>, or 0 past the end (Redis reads the string's terminating zero there).</summary>
    static byte At(ReadOnlySpan<byte> s, int i) => i < s.Length ? s[i] : (byte)0;

    /// <summary>A new empty HyperLogLog: sparse, one XZERO opcode for all registers, cardinality 0 cached.</summary>
    public static MutableString CreateEmpty()
    {
        int length = HeaderSize + (Registers + SparseXZeroMaxLen - 1) / SparseXZeroMaxLen * 2;
        var m = new MutableString(ReadOnlySpan<byte>.Empty, length);
        m.EnsureLength(length);
        var s = m.Span;
        "HYLL"u8.CopyTo(s);
        s[4] = Sparse;
        int p = HeaderSize;
        for (int left = Registers; left > 0;)
        {
            int run = Math.Min(SparseXZeroMaxLen, left);
            s[p++] = XZeroHigh(run);
            s[p++] = XZeroLow(run);
            left -= run;
        }
        return m;
    }

    /// <summary>Redis's isHLLObjectOrReply, past the type check: header magic, known encoding, exact dense size.</summary>
    public static bool IsValid(ReadOnlySpan<byte> s)
    {
        if (s.Length < HeaderSize) return false;
        if (s[0] != 'H' || s[1] != 'Y' || s[2] != 'L' || s[3] != 'L') return false;
        if (s[4] > MaxEncoding) return false;
        return s[4] != Dense || s.Length == DenseSize;
    }

    public static byte EncodingOf(ReadOnlySpan<byte> s) => s[4];

    // ---- Cached cardinality ----

    public static bool IsCacheValid(ReadOnlySpan<byte> s) => (s[15] & 0x80) == 0;
    public static ulong CachedCardinality(ReadOnlySpan<byte> s) => BinaryPrimitives.ReadUInt64LittleEndian(s[8..16]);
    public static void SetCachedCardinality(Span<byte> s, ulong card) => BinaryPrimitives.WriteUInt64LittleEndian(s[8..16], card);
    public static void InvalidateCache(Span<byte> s) => s[15] |= 0x80;

    // ---- Hashing ----

    /// <summary>Austin Appleby's MurmurHash64A as Redis uses it (little-endian 8-byte blocks).</summary>
    public static ulong MurmurHash64A(ReadOnlySpan<byte> key, uint seed)
    {
        const ulong m = 0xc6a4a7935bd1e995UL;
        const int r = 47;
        unchecked
        {
            ulong h = seed ^ ((ulong)key.Length * m);
            int blocks = key.Length & ~7;
            for (int i = 0; i < blocks; i += 8)
            {
                ulong k = BinaryPrimitives.ReadUInt64LittleEndian(key.Slice(i, 8));
                k *= m;
                k ^= k >> r;
                k *= m;
                h ^= k;
                h *= m;
            }
            var tail = key[blocks..];
            switch (tail.Length)
            {
                case 7: h ^= (ulong)tail[6] << 48; goto case 6;
                case 6: h ^= (ulong)tail[5] << 40; goto case 5;
                case 5: h ^= (ulong)tail[4] << 32; goto case 4;
                case 4: h ^= (ulong)tail[3] << 24; goto case 3;
                case 3: h ^= (ulong)tail[2] << 16; goto case 2;
                case 2: h ^= (ulong)tail[1] << 8; goto case 1;
                case 1:
                    h ^= tail[0];
                    h *= m;
                    break;
            }
            h ^= h >> r;
            h *= m;
            h ^= h >> r;
            return h;
        }
    }

    /// <summary>Redis's hllPatLen: the register an element falls in and the value it proposes (1..51).</summary>
    public static int PatternLength(ReadOnlySpan<byte> element, out int register)
    {
        ulong hash = MurmurHash64A(element, Seed);
        register = (int)(hash & PMask);
        hash >>= P;
        hash |= 1UL << Q; // the loop ends, and the count is at most Q+1
        return System.Numerics.BitOperations.TrailingZeroCount(hash) + 1;
    }

    // ---- Dense registers ----

    public static int GetDenseRegister(ReadOnlySpan<byte> registers, int index)
    {
        int bit = index * Bits;
        int b = bit >> 3, fb = bit & 7;
        int b0 = registers[b], b1 = At(registers, b + 1);
        return ((b0 >> fb) | (b1 << (8 - fb))) & RegisterMax;
    }

    public static void SetDenseRegister(Span<byte> registers, int index, int value)
    {
        int bit = index * Bits;
        int b = bit >> 3, fb = bit & 7;
        registers[b] = (byte)((registers[b] & ~(RegisterMax << fb)) | (value << fb));
        if (b + 1 < registers.Length)
            registers[b + 1] = (byte)((registers[b + 1] & ~(RegisterMax >> (8 - fb))) | (value >> (8 - fb)));
    }

    /// <summary>Redis's hllDenseSet: raises a register; true when it changed.</summary>
    public static bool DenseSet(Span<byte> registers, int index, int count)
    {
        if (count <= GetDenseRegister(registers, index)) return false;
        SetDenseRegister(registers, index, count);
        return true;
    }

    // ---- Adding elements ----

    /// <summary>
    /// True when adding the element would change the value (a register lower than what it proposes),
    /// so a command can announce its write before making it. A corrupt sparse value answers true
    /// (the add then reports it).
    /// </summary>
    public static bool WouldChange(ReadOnlySpan<byte> hll, ReadOnlySpan<byte> element)
    {
        int count = PatternLength(element, out int index);
        return count > GetRegister(hll, index);
    }

    /// <summary>A register's value in either encoding (-1 when a sparse value is corrupt).</summary>
    public static int GetRegister(ReadOnlySpan<byte> hll, int index)
    {
        if (hll[4] == Dense) return GetDenseRegister(hll[HeaderSize..], index);
        int first = 0;
        for (int p = HeaderSize; p < hll.Length;)
        {
            byte op = hll[p];
            int span;
            if (IsZero(op)) { span = ZeroLen(op); p++; }
            else if (IsVal(op)) { span = ValLen(op); p++; }
            else { span = XZeroLen(op, At(hll, p + 1)); p += 2; }
            if (index <= first + span - 1) return IsVal(op) ? ValValue(op) : 0;
            first += span;
        }
        return -1;
    }

    /// <summary>Redis's hllAdd: 1 when a register changed, 0 when not, -1 for a corrupt value.</summary>
    public static int Add(MutableString hll, ReadOnlySpan<byte> element, long sparseMaxBytes)
    {
        int count = PatternLength(element, out int index);
        switch (hll.Buffer[4])
        {
            case Dense: return DenseSet(hll.Span[HeaderSize..], index, count) ? 1 : 0;
            case Sparse: return SparseSet(hll, index, count, sparseMaxBytes);
            default: return -1;
        }
    }

    /// <summary>
    /// Redis's hllSparseSet: raises register <paramref name="index"/> to <paramref name="count"/> in a
    /// sparse value, splitting the opcode that covers it and merging equal neighbours afterwards exactly
    /// as Redis does (so the bytes match), or converts to dense when the value does not fit a VAL
    /// opcode or the result would pass hll-sparse-max-bytes. 1 changed, 0 unchanged, -1 corrupt.
    /// </summary>
    public static int SparseSet(MutableString hll, int index, int count, long sparseMaxBytes)
    {
        if (count > SparseValMaxValue) return Promote(hll, index, count);
        if (hll.Buffer.Length < hll.Length + 3) Array.Resize(ref hll.Buffer, Math.Max(hll.Length + 3, Math.Min(hll.Length * 2, hll.Length + 300)));
        byte[] b = hll.Buffer;
        int end = hll.Length;

        // Step 1: find the opcode covering the register.
        int p = HeaderSize, first = 0, prev = -1, span = 0;
        while (p < end)
        {
            int oplen = 1;
            byte op = b[p];
            if (IsZero(op)) span = ZeroLen(op);
            else if (IsVal(op)) span = ValLen(op);
            else { span = XZeroLen(op, p + 1 < end ? b[p + 1] : (byte)0); oplen = 2; }
            if (index <= first + span - 1) break;
            prev = p;
            p += oplen;
            first += span;
        }
        if (span == 0 || p >= end) return -1;
        int next = IsXZero(b[p]) ? p + 2 : p + 1;
        if (next >= end) next = -1;

        byte current = b[p];
        bool isZero = IsZero(current), isXZero = IsXZero(current), isVal = IsVal(current);
        int runLength = isZero ? ZeroLen(current) : isXZero ? XZeroLen(current, p + 1 < end ? b[p + 1] : (byte)0) : ValLen(current);

        // Step 2: the trivial cases update the opcode in place.
        bool inPlace = false;
        if (isVal)
        {
            if (ValValue(current) >= count) return 0;
            if (runLength == 1) { b[p] = ValOp(count, 1); inPlace = true; }
        }
        if (!inPlace && isZero && runLength == 1) { b[p] = ValOp(count, 1); inPlace = true; }

        if (!inPlace)
        {
            // General case: split the opcode into up to three (XZERO-VAL-XZERO at worst, 5 bytes).
            Span<byte> seq = stackalloc byte[5];
            int n = 0;
            int last = first + span - 1;
            if (isZero || isXZero)
            {
                if (index != first) n = WriteZeros(seq, n, index - first);
                seq[n++] = ValOp(count, 1);
                if (index != last) n = WriteZeros(seq, n, last - index);
            }
            else
            {
                int currentValue = ValValue(current);
                if (index != first) seq[n++] = ValOp(currentValue, index - first);
                seq[n++] = ValOp(count, 1);
                if (index != last) seq[n++] = ValOp(currentValue, last - index);
            }

            // Step 3: substitute the new sequence for the old opcode.
            int oldLength = isXZero ? 2 : 1;
            int delta = n - oldLength;
            if (delta > 0 && end + delta > sparseMaxBytes) return Promote(hll, index, count);
            if (delta != 0 && next >= 0) Buffer.BlockCopy(b, next, b, next + delta, end - next);
            end += delta;
            seq[..n].CopyTo(b.AsSpan(p));
        }

        // Step 4: merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from the previous one.
        p = prev >= 0 ? prev : HeaderSize;
        int scan = 5;
        while (p < end && scan-- > 0)
        {
            if (IsXZero(b[p])) { p += 2; continue; }
            if (IsZero(b[p])) { p++; continue; }
            if (p + 1 < end && IsVal(b[p + 1]))
            {
                int v1 = ValValue(b[p]), v2 = ValValue(b[p + 1]);
                if (v1 == v2)
                {
                    int len = ValLen(b[p]) + ValLen(b[p + 1]);
                    if (len <= SparseValMaxLen)
                    {
                        b[p + 1] = ValOp(v1, len);
                        Buffer.BlockCopy(b, p + 1, b, p, end - p - 1);
                        end--;
                        continue; // try to merge the merged opcode with the next one
                    }
                }
            }
            p++;
        }
        hll.Length = end;
        InvalidateCache(hll.Span);
        return 1;
    }

    static int WriteZeros(Span<byte> seq, int n, int len)
    {
        if (len > SparseZeroMaxLen)
        {
            seq[n++] = XZeroHigh(len);
            seq[n++] = XZeroLow(len);
        }
        else seq[n++] = ZeroOp(len);
        return n;
    }

    /// <summary>Converts to dense, then sets the register (which necessarily changes).</summary>
    static int Promote(MutableString hll, int index, int count)
    {
        if (!SparseToDense(hll)) return -1;
        DenseSet(hll.Span[HeaderSize..], index, count);
        return 1;
    }

    /// <summary>
    /// Redis's hllSparseToDense: the same header (cached cardinality included) with the dense encoding.
    /// False when the sparse opcodes do not describe exactly 16384 registers.
    /// </summary>
    public static bool SparseToDense(MutableString hll)
    {
        var sparse = hll.Span;
        if (sparse[4] == Dense) return true;
        var dense = new byte[DenseSize];
        sparse[..HeaderSize].CopyTo(dense);
        dense[4] = Dense;
        var registers = dense.AsSpan(HeaderSize);
        int idx = 0;
        for (int p = HeaderSize; p < sparse.Length;)
        {
            byte op = sparse[p];
            if (IsZero(op)) { idx += ZeroLen(op); p++; }
            else if (IsXZero(op)) { idx += XZeroLen(op, At(sparse, p + 1)); p += 2; }
            else
            {
                int run = ValLen(op), value = ValValue(op);
                if (run + idx > Registers) return false; // overflow (Redis 7.0.15 rejects it even when it ends exactly at 16384)
                while (run-- > 0) SetDenseRegister(registers, idx++, value);
                p++;
            }
        }
        if (idx != Registers) return false;
        hll.Buffer = dense;
        hll.Length = DenseSize;
        return true;
    }

    // ---- Merging and counting ----

    /// <summary>Redis's hllMerge: max[i] = MAX(max[i], register i). False for a corrupt sparse value.</summary>
    public static bool MergeInto(Span<byte> max, ReadOnlySpan<byte> hll)
    {
        if (hll[4] == Dense)
        {
            var registers = hll[HeaderSize..];
            for (int i = 0; i < Registers; i++)
            {
                byte v = (byte)GetDenseRegister(registers, i);
                if (v > max[i]) max[i] = v;
            }
            return true;
        }
        int idx = 0;
        for (int p = HeaderSize; p < hll.Length;)
        {
            byte op = hll[p];
            if (IsZero(op)) { idx += ZeroLen(op); p++; }
            else if (IsXZero(op)) { idx += XZeroLen(op, At(hll, p + 1)); p += 2; }
            else
            {
                int run = ValLen(op), value = ValValue(op);
                if (run + idx > Registers) return false; // overflow
                while (run-- > 0)
                {
                    if (value > max[idx]) max[idx] = (byte)value;
                    idx++;
                }
                p++;
            }
        }
        return idx == Registers;
    }

    /// <summary>Redis's hllCount on a stored value. <paramref name="invalid"/> is set for a corrupt sparse value.</summary>
    public static ulong Count(ReadOnlySpan<byte> hll, out bool invalid)
    {
        invalid = false;
        Span<int> histogram = stackalloc int[64];
        if (hll[4] == Dense)
        {
            var registers = hll[HeaderSize..];
            for (int i = 0; i < Registers; i++) histogram[GetDenseRegister(registers, i)]++;
        }
        else
        {
            int idx = 0;
            for (int p = HeaderSize; p < hll.Length;)
            {
                byte op = hll[p];
                if (IsZero(op)) { int run = ZeroLen(op); idx += run; histogram[0] += run; p++; }
                else if (IsXZero(op)) { int run = XZeroLen(op, At(hll, p + 1)); idx += run; histogram[0] += run; p += 2; }
                else { int run = ValLen(op); idx += run; histogram[ValValue(op)] += run; p++; }
            }
            if (idx != Registers) invalid = true;
        }
        return Estimate(histogram);
    }

    /// <summary>The cardinality of 16384 unpacked registers (one byte each: the union PFCOUNT computes).</summary>
    public static ulong CountRegisters(ReadOnlySpan<byte> registers)
    {
        Span<int> histogram = stackalloc int[64];
        for (int i = 0; i < Registers; i++) histogram[registers[i]]++;
        return Estimate(histogram);
    }

    /// <summary>Ertl's estimator ("New cardinality estimation algorithms for HyperLogLog sketches"), as in Redis.</summary>
    static ulong Estimate(ReadOnlySpan<int> histogram)
    {
        double m = Registers;
        double z = m * Tau((m - histogram[Q + 1]) / m);
        for (int j = Q; j >= 1; --j)
        {
            z += histogram[j];
            z *= 0.5;
        }
        z += m * Sigma(histogram[0] / m);
        return (ulong)(long)Math.Round(AlphaInf * m * m / z, MidpointRounding.AwayFromZero);
    }

    static double Sigma(double x)
    {
        if (x == 1.0) return double.PositiveInfinity;
        double zPrime, y = 1, z = x;
        do
        {
            x *= x;
            zPrime = z;
            z += x * y;
            y += y;
        } while (zPrime != z);
        return z;
    }

    static double Tau(double x)
    {
        if (x == 0.0 || x == 1.0) return 0.0;
        double zPrime, y = 1.0, z = 1 - x;
        do
        {
            x = Math.Sqrt(x);
            zPrime = z;
            y *= 0.5;
            double d = 1 - x;
            z -= d * d * y;
        } while (zPrime != z);
        return z / 3;
    }

    // ---- PFDEBUG DECODE ----

    /// <summary>The sparse opcodes as PFDEBUG DECODE prints them: "z:len", "Z:len", "v:value,len", space separated.</summary>
    public static string Decode(ReadOnlySpan<byte> hll)
    {
        var sb = new System.Text.StringBuilder();
        for (int p = HeaderSize; p < hll.Length;)
        {
            byte op = hll[p];
            if (IsZero(op)) { sb.Append("z:").Append(ZeroLen(op)).Append(' '); p++; }
            else if (IsXZero(op)) { sb.Append("Z:").Append(XZeroLen(op, At(hll, p + 1))).Append(' '); p += 2; }
            else { sb.Append("v:").Append(ValValue(op)).Append(',').Append(ValLen(op)).Append(' '); p++; }
        }
        return sb.ToString().Trim(' ');
    }
}
