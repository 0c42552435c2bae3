namespace Mirra.Replication;

/// <summary>
/// Finds the end of a diskless transfer ("$EOF:&lt;mark&gt;" framing): the RDB bytes are followed by the same
/// 40 random characters the header announced. The mark may arrive split across reads, so the scanner keeps
/// the last 39 bytes it saw. Unlike Redis, which only compares the last 40 bytes of each read, it also finds
/// a mark followed by more bytes in the same read (the caller gets them back as the start of the stream).
/// </summary>
public sealed class EofMarkScanner
{
    public const int MarkLength = 40;

    readonly byte[] _mark;
    readonly byte[] _tail = new byte[MarkLength - 1];
    int _tailLength;

    public EofMarkScanner(ReadOnlySpan<byte> mark)
    {
        if (mark.Length != MarkLength) throw new ArgumentException("the EOF mark has 40 bytes", nameof(mark));
        _mark = mark.ToArray();
    }

    /// <summary>
    /// Looks at the next received bytes. Returns how many of them belong to the transfer when they complete the
    /// mark (the mark's last byte included), or -1 when the mark has not been seen yet.
    /// </summary>
    public int Scan(ReadOnlySpan<byte> chunk)
    {
        if (_tailLength > 0 && chunk.Length > 0)
        {
            // A mark that starts in earlier bytes ends within the first 39 bytes of this chunk.
            int head = Math.Min(chunk.Length, MarkLength - 1);
            Span<byte> joined = stackalloc byte[_tailLength + head];
            _tail.AsSpan(0, _tailLength).CopyTo(joined);
            chunk[..head].CopyTo(joined[_tailLength..]);
            int at = joined.IndexOf(_mark);
            if (at >= 0) return at + MarkLength - _tailLength;
        }
        int inside = chunk.IndexOf(_mark);
        if (inside >= 0) return inside + MarkLength;
        Remember(chunk);
        return -1;
    }

    /// <summary>Keeps the last 39 bytes seen (earlier ones and these).</summary>
    void Remember(ReadOnlySpan<byte> chunk)
    {
        int keep = _tail.Length;
        if (chunk.Length >= keep)
        {
            chunk[^keep..].CopyTo(_tail);
            _tailLength = keep;
            return;
        }
        int fromOld = Math.Min(_tailLength, keep - chunk.Length);
        _tail.AsSpan(_tailLength - fromOld, fromOld).CopyTo(_tail);
        chunk.CopyTo(_tail.AsSpan(fromOld));
        _tailLength = fromOld + chunk.Length;
    }
}
