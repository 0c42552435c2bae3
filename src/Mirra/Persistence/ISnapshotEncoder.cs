namespace Mirra.Persistence;

/// <summary>
/// Turns a point-in-time walk of the keyspace into a file format: RDB (BGSAVE, full sync, AOF base
/// with preamble) or commands (AOF base without preamble). The snapshot calls it on the executor
/// in this order: Begin, then for each database SelectDb followed by its entries (a database may be
/// selected again later when a write forced one of its buckets out of order: then keys and expires
/// are -1, as the sizes were already given), then End.
/// </summary>
public interface ISnapshotEncoder
{
    void Begin(SnapshotInfo info);
    void SelectDb(int db, long keys, long expires);
    void Entry(byte[] key, object value, long expireAtMs);
    void End();
}

/// <summary>What a snapshot knows about the instant it started (RDB aux fields).</summary>
/// <remarks><see cref="ReplId"/> null: no replication information to record (a standalone master without backlog, as Redis).</remarks>
public sealed record SnapshotInfo(long CreatedUnixSeconds, long UsedMemory, int ReplStreamDb, string? ReplId, long ReplOffset, bool AofBase);
