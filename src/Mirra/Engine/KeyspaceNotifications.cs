using System.Text;
using Mirra.Config;

namespace Mirra.Engine;

/// <summary>
/// Redis's keyspace notifications (notify-keyspace-events): a command that changes a key announces
/// an event; when the event's class is enabled it is published on "__keyspace@&lt;db&gt;__:&lt;key&gt;"
/// (message: the event) and/or "__keyevent@&lt;db&gt;__:&lt;event&gt;" (message: the key).
/// </summary>
public sealed class KeyspaceNotifications
{
    readonly Server _server;

    /// <summary>Delivers a message to a channel's subscribers (set by pub/sub).</summary>
    public Action<byte[], byte[]>? Publish;

    public KeyspaceNotifications(Server server) => _server = server;

    public void Notify(KeyspaceEvents type, string eventName, ReadOnlySpan<byte> key, int db)
    {
        var enabled = _server.Config.NotifyKeyspaceEvents;
        if ((enabled & type) == 0 || Publish == null) return;
        if ((enabled & KeyspaceEvents.Keyspace) != 0)
            Publish(Encoding.ASCII.GetBytes($"__keyspace@{db}__:").Concat(key.ToArray()).ToArray(), Encoding.ASCII.GetBytes(eventName));
        if ((enabled & KeyspaceEvents.Keyevent) != 0)
            Publish(Encoding.ASCII.GetBytes($"__keyevent@{db}__:{eventName}"), key.ToArray());
    }
}
