namespace Mirra.Storage;

/// <summary>
/// One key of a database: the value object and the access clock. Kept to 48 bytes (the entry is
/// the biggest fixed cost per key): the expiry time lives in the database's <see cref="VolatileKeys"/>,
/// found through <see cref="VolatileIndex"/>, so keys without a TTL pay nothing for it.
/// </summary>
public sealed class KeyEntry : TableEntry
{
    /// <summary>The value: see <see cref="StringValue"/> for strings, <see cref="ValueTypes"/> for the rest.</summary>
    public object Value;
    /// <summary>Last access time in seconds since server start (OBJECT IDLETIME).</summary>
    public uint LastAccess;
    /// <summary>Position in the database's <see cref="VolatileKeys"/>, or -1 when the key has no expiry.</summary>
    internal int VolatileIndex = -1;

    public KeyEntry(byte[] key, object value) : base(key) => Value = value;

    public bool HasExpiry => VolatileIndex >= 0;
}
