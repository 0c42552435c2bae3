namespace Mirra.Util;

/// <summary>
/// Content equality for byte arrays, usable as a dictionary comparer that also accepts
/// <see cref="ReadOnlySpan{T}"/> lookups (GetAlternateLookup), so looking a received argument up
/// allocates nothing. Hashes are randomized per process (HashCode), like Redis's seeded siphash.
/// </summary>
public sealed class BytesComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly BytesComparer Instance = new();

    BytesComparer() { }

    public bool Equals(byte[]? x, byte[]? y) =>
        ReferenceEquals(x, y) || (x != null && y != null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] obj) => Hash(obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    static int Hash(ReadOnlySpan<byte> bytes)
    {
        var h = new HashCode();
        h.AddBytes(bytes);
        return h.ToHashCode();
    }
}
