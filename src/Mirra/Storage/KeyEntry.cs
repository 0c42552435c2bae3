namespace Mirra.Storage;

/// <summary>One key of a database: its value object, absolute expiry time and access clock.</summary>
public sealed class KeyEntry : TableEntry
{
    /// <summary>The value: see <see cref="StringValue"/> for strings, <see cref="Types"/> for aggregates.</summary>
    public object Value;
    /// <summary>Absolute expiry in Unix milliseconds, or -1 for none.</summary>
    public long ExpireAtMs = -1;
    /// <summary>Position in the database's list of keys with an expiry (for active expiry sampling), -1 when none.</summary>
    internal int VolatileIndex = -1;
    /// <summary>Last access time in seconds since server start (OBJECT IDLETIME).</summary>
    public uint LastAccess;

    public KeyEntry(byte[] key, object value) : base(key) => Value = value;

    public bool HasExpiry => ExpireAtMs >= 0;
}
