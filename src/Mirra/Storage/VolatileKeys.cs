namespace Mirra.Storage;

/// <summary>
/// The keys of one database that have an expiry, with their absolute expiry times (Redis's
/// db->expires). Dense parallel arrays: O(1) add, remove (swap with the last) and random access,
/// which is what the active expiry cycle needs to sample.
/// </summary>
public sealed class VolatileKeys
{
    KeyEntry[] _entries = new KeyEntry[16];
    long[] _expireAt = new long[16];
    int _count;

    public int Count => _count;
    public KeyEntry this[int index] => _entries[index];
    public long ExpireAt(int index) => _expireAt[index];
    public long ExpireAt(KeyEntry e) => e.VolatileIndex >= 0 ? _expireAt[e.VolatileIndex] : -1;

    public void Set(KeyEntry e, long expireAtMs)
    {
        if (e.VolatileIndex >= 0) { _expireAt[e.VolatileIndex] = expireAtMs; return; }
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _count * 2);
            Array.Resize(ref _expireAt, _count * 2);
        }
        _entries[_count] = e;
        _expireAt[_count] = expireAtMs;
        e.VolatileIndex = _count++;
    }

    public void Remove(KeyEntry e)
    {
        int i = e.VolatileIndex;
        if (i < 0) return;
        int last = --_count;
        if (i != last)
        {
            var moved = _entries[last];
            _entries[i] = moved;
            _expireAt[i] = _expireAt[last];
            moved.VolatileIndex = i;
        }
        _entries[last] = null!;
        e.VolatileIndex = -1;
        if (_entries.Length > 64 && _count < _entries.Length / 4)
        {
            Array.Resize(ref _entries, _entries.Length / 2);
            Array.Resize(ref _expireAt, _expireAt.Length / 2);
        }
    }
}
