using System.Buffers;
using System.Buffers.Text;
using Mirra.Config;

namespace Mirra.Engine;

/// <summary>Delivers a message to a channel's subscribers; returns how many received it.</summary>
public delegate long PublishHandler(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message);

/// <summary>
/// Redis's keyspace notifications (notify-keyspace-events): a command that changes a key announces
/// an event; when the event's class is enabled it is published on "__keyspace@&lt;db&gt;__:&lt;key&gt;"
/// (message: the event) and/or "__keyevent@&lt;db&gt;__:&lt;event&gt;" (message: the key).
/// </summary>
public sealed class KeyspaceNotifications
{
    readonly Server _server;

    /// <summary>Delivers a message to a channel's subscribers (set by pub/sub).</summary>
    public PublishHandler? Publish;
    /// <summary>False when nobody is subscribed to any channel or pattern: nothing to build then (set by pub/sub).</summary>
    public Func<bool>? HasSubscribers;

    public KeyspaceNotifications(Server server) => _server = server;

    public void Notify(KeyspaceEvents type, string eventName, ReadOnlySpan<byte> key, int db)
    {
        var enabled = _server.Config.NotifyKeyspaceEvents;
        if ((enabled & type) == 0 || Publish == null) return;
        if ((enabled & (KeyspaceEvents.Keyspace | KeyspaceEvents.Keyevent)) == 0) return;
        if (HasSubscribers != null && !HasSubscribers()) return;

        // "__keyspace@" db "__:" key, or "__keyevent@" db "__:" event; the event name is ASCII.
        int size = 16 + 11 + Math.Max(key.Length, eventName.Length) + eventName.Length;
        byte[]? rented = null;
        Span<byte> buffer = size <= 512 ? stackalloc byte[size] : (rented = ArrayPool<byte>.Shared.Rent(size));
        try
        {
            Span<byte> evt = buffer[^eventName.Length..];
            for (int i = 0; i < eventName.Length; i++) evt[i] = (byte)eventName[i];
            Span<byte> channel = buffer[..^eventName.Length];
            if ((enabled & KeyspaceEvents.Keyspace) != 0)
            {
                int n = Prefix(channel, "__keyspace@"u8, db);
                key.CopyTo(channel[n..]);
                Publish(channel[..(n + key.Length)], evt);
            }
            if ((enabled & KeyspaceEvents.Keyevent) != 0)
            {
                int n = Prefix(channel, "__keyevent@"u8, db);
                evt.CopyTo(channel[n..]);
                Publish(channel[..(n + evt.Length)], key);
            }
        }
        finally
        {
            if (rented != null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    static int Prefix(Span<byte> into, ReadOnlySpan<byte> head, int db)
    {
        head.CopyTo(into);
        int n = head.Length;
        Utf8Formatter.TryFormat(db, into[n..], out int digits);
        n += digits;
        "__:"u8.CopyTo(into[n..]);
        return n + 3;
    }
}
