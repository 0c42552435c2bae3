using System.Runtime.CompilerServices;

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
        int[] table = _table;

        int ip = 0, op = 0, lit = 0, ctrlPos = 0;
        int last = n - 3; // the last position where a 3-byte sequence starts
        while (ip <= last)
        {
            int h = Hash(input, ip);
            int cand = table[h] - baseOff - 1;
            table[h] = baseOff + ip + 1;
            int dist = ip - cand;
            if (cand >= 0 && dist <= MaxOffset
                && input[cand] == input[ip] && input[cand + 1] == input[ip + 1] && input[cand + 2] == input[ip + 2])
            {
                int max = Math.Min(MaxMatch, n - ip);
                int len = 3;
                while (len < max && input[cand + len] == input[ip + len]) len++;

                if (lit > 0) { output[ctrlPos] = (byte)(lit - 1); lit = 0; }
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
                // Remember the last two positions inside the match, so repeats of repeats are found.
                for (int p = ip - 2; p < ip; p++)
                    if (p <= last) table[Hash(input, p)] = baseOff + p + 1;
                continue;
            }

            // A literal byte: open a run (its control byte is written when the run closes).
            if (lit == 0)
            {
                if (op + 2 > outLen) return 0;
                ctrlPos = op++;
            }
            else if (op >= outLen) return 0;
            output[op++] = input[ip++];
            if (++lit == MaxLiteral) { output[ctrlPos] = MaxLiteral - 1; lit = 0; }
        }

        // The last bytes (too few to start a match) are literals.
        while (ip < n)
        {
            if (lit == 0)
            {
                if (op + 2 > outLen) return 0;
                ctrlPos = op++;
            }
            else if (op >= outLen) return 0;
            output[op++] = input[ip++];
            if (++lit == MaxLiteral) { output[ctrlPos] = MaxLiteral - 1; lit = 0; }
        }
        if (lit > 0) output[ctrlPos] = (byte)(lit - 1);
        return op;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int Hash(ReadOnlySpan<byte> s, int i)
    {
        uint v = (uint)(s[i] | (s[i + 1] << 8) | (s[i + 2] << 16));
        return (int)((v * 2654435761u) >> (32 - HashLog));
    }
}
