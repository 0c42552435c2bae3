namespace Mirra.Persistence.Rdb;

/// <summary>
/// Decompression of liblzf's format, which Redis uses for RDB strings (and compressed quicklist nodes).
/// The compressed data is a sequence of tokens, each starting with a control byte:
/// <list type="bullet">
/// <item>below 32: a literal run of control + 1 bytes that follow;</item>
/// <item>otherwise a back reference: the top 3 bits are the length minus 2 (7 means "add the next byte"),
/// the low 5 bits and the next byte are the distance minus 1 back into the output already produced.</item>
/// </list>
/// Every read and write is bounds-checked: corrupt input raises <see cref="RdbFormatException"/>, nothing else.
/// </summary>
public static class LzfDecompressor
{
    /// <summary>
    /// The most output one byte of input can produce: a 3-byte back reference copies at most 264 bytes.
    /// A claimed size beyond <c>compressed × MaxExpansion</c> is corrupt, so it is refused before allocating.
    /// </summary>
    public const int MaxExpansion = 88;

    /// <summary>
    /// Decompresses <paramref name="input"/> into exactly <paramref name="output"/>.Length bytes, as Redis
    /// requires (a stream that produces fewer or more bytes is corrupt).
    /// </summary>
    /// <param name="position">Where the compressed data starts in the file, for the error message.</param>
    public static void Decompress(ReadOnlySpan<byte> input, Span<byte> output, long position = -1)
    {
        int ip = 0, op = 0;
        int inEnd = input.Length, outEnd = output.Length;
        if (inEnd == 0)
        {
            if (outEnd != 0) throw Corrupt(position);
            return;
        }
        while (ip < inEnd)
        {
            int ctrl = input[ip++];
            if (ctrl < 32)
            {
                int run = ctrl + 1;
                if (run > outEnd - op || run > inEnd - ip) throw Corrupt(position);
                input.Slice(ip, run).CopyTo(output.Slice(op));
                ip += run;
                op += run;
            }
            else
            {
                int len = ctrl >> 5;
                int distance = (ctrl & 0x1f) << 8;
                if (ip >= inEnd) throw Corrupt(position);
                if (len == 7)
                {
                    len += input[ip++];
                    if (ip >= inEnd) throw Corrupt(position);
                }
                distance += input[ip++] + 1;
                len += 2;
                int from = op - distance;
                if (from < 0 || len > outEnd - op) throw Corrupt(position);
                if (distance >= len)
                {
                    output.Slice(from, len).CopyTo(output.Slice(op));
                    op += len;
                }
                else
                {
                    // Overlapping copy (a run repeating the last few bytes): byte by byte, in order.
                    for (int i = 0; i < len; i++) output[op++] = output[from + i];
                }
            }
        }
        if (op != outEnd) throw Corrupt(position);
    }

    static RdbFormatException Corrupt(long position) => new("Invalid LZF compressed string", position);
}
