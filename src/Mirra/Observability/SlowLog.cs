using System.Text;
using Mirra.Engine;

namespace Mirra.Observability;

/// <summary>Redis's SLOWLOG: commands slower than slowlog-log-slower-than, newest first, capped at slowlog-max-len.</summary>
public sealed class SlowLog
{
    public sealed record Entry(long Id, long UnixTime, long Micros, byte[][] Args, string ClientAddress, string ClientName);

    readonly LinkedList<Entry> _entries = new();
    long _nextId;

    /// <summary>Microseconds; negative disables, 0 logs everything.</summary>
    public long SlowerThan = 10000;
    public int MaxLength = 128;

    public IEnumerable<Entry> Entries => _entries;
    public int Count => _entries.Count;

    public void Record(CommandContext ctx, long micros)
    {
        if (SlowerThan < 0 || micros < SlowerThan) return;
        // Like Redis: at most 32 arguments, each cut at 128 bytes, with a note of what was left out.
        int argc = Math.Min(ctx.ArgCount, 32);
        var args = new byte[argc][];
        for (int i = 0; i < argc; i++)
        {
            if (argc == 32 && i == 31 && ctx.ArgCount > 32)
            {
                args[i] = Encoding.ASCII.GetBytes($"... ({ctx.ArgCount - 31} more arguments)");
                break;
            }
            var a = ctx.Arg(i);
            args[i] = a.Length > 128
                ? [.. a[..128], .. Encoding.ASCII.GetBytes($"... ({a.Length - 128} more bytes)")]
                : a.ToArray();
        }
        var c = ctx.Client;
        _entries.AddFirst(new Entry(_nextId++, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), micros, args,
            c.Transport?.RemoteAddress ?? "", c.Name == null ? "" : Encoding.UTF8.GetString(c.Name)));
        Trim();
    }

    public void Trim()
    {
        while (_entries.Count > MaxLength) _entries.RemoveLast();
    }

    public void Reset() => _entries.Clear();
}
