using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mirra.Persistence.Rdb;

/// <summary>
/// LZF compression in the format liblzf's decompressor (and so Redis's RDB loader) reads. The output is
/// a sequence of chunks, each starting with a control byte:
/// <list type="bullet">
/// <item>ctrl &lt; 32: a literal run, ctrl + 1 bytes copied as they are (1..32);</item>
/// <item>otherwise a back-reference: the top 3 bits are the length - 2 (7 means "add the next byte",
/// so 3..264 bytes), the low 5 bits and the following byte form a 13-bit offset: the copy starts
/// offset + 1 bytes before the current output position (it may overlap what it produces).</item>
/// </list>
/// Matches are found through a hash table of 3-byte sequences holding the last position each was seen
/// at. The table is never cleared between calls: every call stores positions above a base that grows
/// call by call, so entries of earlier inputs read as stale (many small strings cost no clearing).
/// One instance is not thread-safe; keep one per writer.
/// </summary>
public sealed class LzfCompressor
{
    const int HashLog = 14;
    const int MaxOffset = 1 << 13;     // distances 1..8192
    const int MaxLiteral = 32;
    const int MaxMatch = 7 + 255 + 2;  // 264

    readonly int[] _table = new int[1 << HashLog];
    int _base;

    /// <summary>Where this call's positions start in the table (tests move it to the overflow edge).</summary>
    internal int Base { get => _base; set => _base = value; }

    /// <summary>
    /// Compresses <paramref name="input"/> into <paramref name="output"/>: the compressed length, or 0 when
    /// the result does not fit in <paramref name="output"/> (or the input is empty), like lzf_compress.
    /// </summary>
    public int Compress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int n = input.Length, outLen = output.Length;
        if (n == 0 || outLen == 0) return 0;
        if (_base > int.MaxValue - n - 2)
        {
            Array.Clear(_table);
            _base = 0;
        }
        // Entries at or below baseOff belong to earlier calls; this call stores baseOff + position + 1.
        int baseOff = _base;
        _base += n + 1;

        // Short inputs use a small corner of the table (it stays in the L1 cache beside the data being
        // written); 2 slots per input byte at least, up to the whole table.
        int shift = 32 - Math.Clamp(BitOperations.Log2((uint)n) + 2, 8, HashLog);

        ref byte src = ref MemoryMarshal.GetReference(input);
        ref int table = ref MemoryMarshal.GetArrayDataReference(_table);
        int ip = 0, op = 0, litStart = 0;
        int last = n - 3; // the last position where a 3-byte sequence starts
        uint seq = n >= 2 ? (uint)((Unsafe.Add(ref src, 0) << 8) | Unsafe.Add(ref src, 1)) : 0;
        while (ip <= last)
        {
            seq = (seq << 8) | Unsafe.Add(ref src, ip + 2);
            ref int slot = ref Unsafe.Add(ref table, Index(seq, shift));
            int cand = slot - baseOff - 1;
            slot = baseOff + ip + 1;
            int dist = ip - cand;
            if (cand < 0 || dist > MaxOffset
                || Unsafe.Add(ref src, cand) != Unsafe.Add(ref src, ip)
                || Unsafe.Add(ref src, cand + 1) != Unsafe.Add(ref src, ip + 1)
                || Unsafe.Add(ref src, cand + 2) != Unsafe.Add(ref src, ip + 2))
            {
                ip++;
                continue;
            }

            int max = Math.Min(MaxMatch, n - ip);
            int len = 3;
            while (len < max && Unsafe.Add(ref src, cand + len) == Unsafe.Add(ref src, ip + len)) len++;

            op = EmitLiterals(input, litStart, ip, output, op);
            if (op < 0) return 0;
            int code = len - 2, off = dist - 1;
            if (code < 7)
            {
                if (op + 2 > outLen) return 0;
                output[op++] = (byte)((code << 5) | (off >> 8));
            }
            else
            {
                if (op + 3 > outLen) return 0;
                output[op++] = (byte)((7 << 5) | (off >> 8));
                output[op++] = (byte)(code - 7);
            }
            output[op++] = (byte)off;

            ip += len;
            litStart = ip;
            if (ip > last) break;
            // Remember the last two positions inside the match, so repeats of repeats are found; restart
            // the rolling sequence at the new position.
            for (int p = ip - 2; p < ip; p++)
            {
                uint s3 = (uint)((Unsafe.Add(ref src, p) << 16) | (Unsafe.Add(ref src, p + 1) << 8) | Unsafe.Add(ref src, p + 2));
                Unsafe.Add(ref table, Index(s3, shift)) = baseOff + p + 1;
            }
            seq = (uint)((Unsafe.Add(ref src, ip) << 8) | Unsafe.Add(ref src, ip + 1));
        }

        // The last bytes (too few to start a match) are literals.
        op = EmitLiterals(input, litStart, n, output, op);
        return op < 0 ? 0 : op;
    }

    /// <summary>Writes input[from..to) as literal runs of up to 32 bytes; -1 when they do not fit.</summary>
    static int EmitLiterals(ReadOnlySpan<byte> input, int from, int to, Span<byte> output, int op)
    {
        int count = to - from;
        if (count == 0) return op;
        if (op + count + (count + MaxLiteral - 1) / MaxLiteral > output.Length) return -1;
        while (count > 0)
        {
            int run = Math.Min(count, MaxLiteral);
            output[op++] = (byte)(run - 1);
            input.Slice(from, run).CopyTo(output[op..]);
            op += run;
            from += run;
            count -= run;
        }
        return op;
    }

    /// <summary>The table slot of the 3-byte sequence in the low 24 bits of <paramref name="seq"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int Index(uint seq, int shift) => (int)(((seq & 0xFFFFFF) * 2654435761u) >> shift);
}
