using Mirra.Config;
using Mirra.Protocol;
using Mirra.Util;

namespace Mirra.Engine;

/// <summary>
/// Pub/Sub state (executor thread only): for each channel, pattern and shard channel the clients
/// subscribed to it in subscription order (Redis's lists), and for each subscribed client what it
/// is subscribed to. Publishing appends the message to each subscriber's reply buffer (an array in
/// RESP2, a push in RESP3), asks the executor to flush it, and checks the subscriber's output
/// buffer limit. Keyspace notifications, expiry and disconnections are wired here.
/// </summary>
public sealed class PubSub
{
    readonly Server _server;
    readonly Dictionary<byte[], List<Client>> _channels = new(BytesComparer.Instance);
    readonly Dictionary<byte[], List<Client>> _patterns = new(BytesComparer.Instance);
    readonly Dictionary<byte[], List<Client>> _shardChannels = new(BytesComparer.Instance);
    readonly Dictionary<byte[], List<Client>>.AlternateLookup<ReadOnlySpan<byte>> _channelLookup, _shardLookup;
    readonly Dictionary<Client, Subscriptions> _clients = new();

    /// <summary>What one client is subscribed to. Patterns are a list, as in Redis 7.0 (PUNSUBSCRIBE lists them in order).</summary>
    sealed class Subscriptions
    {
        public readonly HashSet<byte[]> Channels = new(BytesComparer.Instance);
        public readonly List<byte[]> Patterns = new();
        public readonly HashSet<byte[]> ShardChannels = new(BytesComparer.Instance);
        public bool IsEmpty => Channels.Count == 0 && Patterns.Count == 0 && ShardChannels.Count == 0;
    }

    static readonly byte[] MessageWord = "message"u8.ToArray();
    static readonly byte[] PMessageWord = "pmessage"u8.ToArray();
    static readonly byte[] SMessageWord = "smessage"u8.ToArray();
    static readonly byte[] SubscribeWord = "subscribe"u8.ToArray();
    static readonly byte[] PSubscribeWord = "psubscribe"u8.ToArray();
    static readonly byte[] SSubscribeWord = "ssubscribe"u8.ToArray();
    static readonly byte[] UnsubscribeWord = "unsubscribe"u8.ToArray();
    static readonly byte[] PUnsubscribeWord = "punsubscribe"u8.ToArray();
    static readonly byte[] SUnsubscribeWord = "sunsubscribe"u8.ToArray();

    public PubSub(Server server)
    {
        _server = server;
        _channelLookup = _channels.GetAlternateLookup<ReadOnlySpan<byte>>();
        _shardLookup = _shardChannels.GetAlternateLookup<ReadOnlySpan<byte>>();

        // A subscriber that goes away (QUIT, CLIENT KILL, output limits, the peer closing) is forgotten.
        server.Clients.Disconnected += RemoveClient;
        // Keyspace notifications are published like PUBLISH (never on shard channels).
        var notifications = server.Notifications;
        notifications.Publish = (channel, message) => Publish(channel, message);
        notifications.HasSubscribers = () => _channels.Count > 0 || _patterns.Count > 0;
        server.Keyspace.KeyExpired += (db, key) => notifications.Notify(KeyspaceEvents.Expired, "expired", key, db.Index);
        server.Keyspace.KeyAdded += (db, key) => notifications.Notify(KeyspaceEvents.New, "new", key, db.Index);
    }

    /// <summary>INFO pubsub_channels: channels with at least one subscriber.</summary>
    public int ChannelCount => _channels.Count;
    /// <summary>INFO pubsub_patterns and PUBSUB NUMPAT: distinct patterns subscribed to.</summary>
    public int PatternCount => _patterns.Count;
    /// <summary>INFO pubsubshard_channels.</summary>
    public int ShardChannelCount => _shardChannels.Count;

    /// <summary>Subscribers of a channel (PUBSUB NUMSUB), pattern subscriptions excluded.</summary>
    public int NumSub(ReadOnlySpan<byte> channel) => _channelLookup.TryGetValue(channel, out var list) ? list.Count : 0;
    public int ShardNumSub(ReadOnlySpan<byte> channel) => _shardLookup.TryGetValue(channel, out var list) ? list.Count : 0;

    /// <summary>Channels (or shard channels) with subscribers whose name matches a glob pattern (all when null).</summary>
    public List<byte[]> ActiveChannels(ReadOnlySpan<byte> pattern, bool all, bool shard)
    {
        var result = new List<byte[]>();
        foreach (var name in (shard ? _shardChannels : _channels).Keys)
            if (all || Glob.Match(pattern, name)) result.Add(name);
        return result;
    }

    // ---- Subscribing (replies go to the client, one per channel, like Redis) ----

    Subscriptions StateOf(Client c)
    {
        if (!_clients.TryGetValue(c, out var s)) _clients[c] = s = new Subscriptions();
        return s;
    }

    /// <summary>SUBSCRIBE of one channel: confirmation with the client's channel + pattern count.</summary>
    public void Subscribe(Client c, ReadOnlySpan<byte> channel)
    {
        var s = StateOf(c);
        if (!s.Channels.GetAlternateLookup<ReadOnlySpan<byte>>().Contains(channel))
        {
            var name = channel.ToArray();
            s.Channels.Add(name);
            AddSubscriber(_channels, name, c);
        }
        Refresh(c, s);
        Confirm(c, SubscribeWord, channel, false, s.Channels.Count + s.Patterns.Count);
    }

    /// <summary>PSUBSCRIBE of one pattern.</summary>
    public void PSubscribe(Client c, ReadOnlySpan<byte> pattern)
    {
        var s = StateOf(c);
        if (IndexOf(s.Patterns, pattern) < 0)
        {
            var name = pattern.ToArray();
            s.Patterns.Add(name);
            AddSubscriber(_patterns, name, c);
        }
        Refresh(c, s);
        Confirm(c, PSubscribeWord, pattern, false, s.Channels.Count + s.Patterns.Count);
    }

    /// <summary>SSUBSCRIBE of one shard channel: the count is of shard channels only.</summary>
    public void SSubscribe(Client c, ReadOnlySpan<byte> channel)
    {
        var s = StateOf(c);
        if (!s.ShardChannels.GetAlternateLookup<ReadOnlySpan<byte>>().Contains(channel))
        {
            var name = channel.ToArray();
            s.ShardChannels.Add(name);
            AddSubscriber(_shardChannels, name, c);
        }
        Refresh(c, s);
        Confirm(c, SSubscribeWord, channel, false, s.ShardChannels.Count);
    }

    /// <summary>UNSUBSCRIBE of one channel (confirmed even when the client was not subscribed to it).</summary>
    public void Unsubscribe(Client c, ReadOnlySpan<byte> channel)
    {
        var s = StateOf(c);
        var set = s.Channels.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (set.TryGetValue(channel, out var name))
        {
            s.Channels.Remove(name);
            RemoveSubscriber(_channels, name, c);
        }
        Refresh(c, s);
        Confirm(c, UnsubscribeWord, channel, false, s.Channels.Count + s.Patterns.Count);
    }

    public void PUnsubscribe(Client c, ReadOnlySpan<byte> pattern)
    {
        var s = StateOf(c);
        int i = IndexOf(s.Patterns, pattern);
        if (i >= 0)
        {
            var name = s.Patterns[i];
            s.Patterns.RemoveAt(i);
            RemoveSubscriber(_patterns, name, c);
        }
        Refresh(c, s);
        Confirm(c, PUnsubscribeWord, pattern, false, s.Channels.Count + s.Patterns.Count);
    }

    public void SUnsubscribe(Client c, ReadOnlySpan<byte> channel)
    {
        var s = StateOf(c);
        var set = s.ShardChannels.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (set.TryGetValue(channel, out var name))
        {
            s.ShardChannels.Remove(name);
            RemoveSubscriber(_shardChannels, name, c);
        }
        Refresh(c, s);
        Confirm(c, SUnsubscribeWord, channel, false, s.ShardChannels.Count);
    }

    /// <summary>UNSUBSCRIBE without arguments: one confirmation per channel, or one with a null channel when there was none.</summary>
    public void UnsubscribeAll(Client c)
    {
        var s = StateOf(c);
        if (s.Channels.Count == 0) { Confirm(c, UnsubscribeWord, default, true, s.Patterns.Count); Refresh(c, s); return; }
        foreach (var name in s.Channels.ToArray()) Unsubscribe(c, name);
    }

    /// <summary>PUNSUBSCRIBE without arguments, in subscription order.</summary>
    public void PUnsubscribeAll(Client c)
    {
        var s = StateOf(c);
        if (s.Patterns.Count == 0) { Confirm(c, PUnsubscribeWord, default, true, s.Channels.Count); Refresh(c, s); return; }
        foreach (var name in s.Patterns.ToArray()) PUnsubscribe(c, name);
    }

    /// <summary>SUNSUBSCRIBE without arguments.</summary>
    public void SUnsubscribeAll(Client c)
    {
        var s = StateOf(c);
        if (s.ShardChannels.Count == 0) { Confirm(c, SUnsubscribeWord, default, true, 0); Refresh(c, s); return; }
        foreach (var name in s.ShardChannels.ToArray()) SUnsubscribe(c, name);
    }

    /// <summary>Drops every subscription of a client without replying (disconnection, RESET).</summary>
    public void RemoveClient(Client c)
    {
        if (!_clients.Remove(c, out var s)) return;
        foreach (var name in s.Channels) RemoveSubscriber(_channels, name, c);
        foreach (var name in s.Patterns) RemoveSubscriber(_patterns, name, c);
        foreach (var name in s.ShardChannels) RemoveSubscriber(_shardChannels, name, c);
        c.Subscriptions = c.PatternSubscriptions = c.ShardSubscriptions = 0;
        c.Flags &= ~ClientFlags.PubSub;
    }

    /// <summary>Updates the client's counts and its pub/sub flag ('P', RESP2 restrictions, the pubsub class).</summary>
    void Refresh(Client c, Subscriptions s)
    {
        c.Subscriptions = s.Channels.Count;
        c.PatternSubscriptions = s.Patterns.Count;
        c.ShardSubscriptions = s.ShardChannels.Count;
        if (s.IsEmpty)
        {
            c.Flags &= ~ClientFlags.PubSub;
            _clients.Remove(c);
        }
        else c.Flags |= ClientFlags.PubSub;
    }

    static void Confirm(Client c, byte[] kind, ReadOnlySpan<byte> name, bool nullName, long count)
    {
        var r = c.Reply;
        r.PushHeader(3);
        r.Bulk(kind);
        if (nullName) r.Null(); else r.Bulk(name);
        r.Integer(count);
    }

    static void AddSubscriber(Dictionary<byte[], List<Client>> map, byte[] name, Client c)
    {
        if (!map.TryGetValue(name, out var list)) map[name] = list = new List<Client>(1);
        list.Add(c);
    }

    static void RemoveSubscriber(Dictionary<byte[], List<Client>> map, byte[] name, Client c)
    {
        if (!map.TryGetValue(name, out var list)) return;
        list.Remove(c);
        if (list.Count == 0) map.Remove(name);
    }

    static int IndexOf(List<byte[]> list, ReadOnlySpan<byte> value)
    {
        for (int i = 0; i < list.Count; i++)
            if (value.SequenceEqual(list[i])) return i;
        return -1;
    }

    // ---- Publishing ----

    /// <summary>
    /// PUBLISH: "message" to the channel's subscribers in subscription order, then "pmessage" to the
    /// subscribers of each matching pattern. Returns the number of deliveries (a client subscribed to
    /// the channel and to a matching pattern counts twice).
    /// </summary>
    public long Publish(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        long receivers = 0;
        if (_channelLookup.TryGetValue(channel, out var subscribers))
        {
            foreach (var c in subscribers)
            {
                Deliver(c, MessageWord, default, false, channel, message);
                receivers++;
            }
        }
        if (_patterns.Count > 0)
        {
            foreach (var (pattern, clients) in _patterns)
            {
                if (!Glob.Match(pattern, channel)) continue;
                foreach (var c in clients)
                {
                    Deliver(c, PMessageWord, pattern, true, channel, message);
                    receivers++;
                }
            }
        }
        return receivers;
    }

    /// <summary>SPUBLISH: "smessage" to the shard channel's subscribers (there is one shard outside cluster mode).</summary>
    public long SPublish(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        if (!_shardLookup.TryGetValue(channel, out var subscribers)) return 0;
        foreach (var c in subscribers) Deliver(c, SMessageWord, default, false, channel, message);
        return subscribers.Count;
    }

    void Deliver(Client c, byte[] kind, ReadOnlySpan<byte> pattern, bool hasPattern, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        // A client about to be closed (output buffer limit) still counts as a receiver but gets nothing more.
        if (c.Closed || c.Is(ClientFlags.CloseAsap)) return;
        RespWriter r = c.Reply;
        r.PushHeader(hasPattern ? 4 : 3);
        r.Bulk(kind);
        if (hasPattern) r.Bulk(pattern);
        r.Bulk(channel);
        r.Bulk(message);
        _server.Executor.NeedFlush(c);
        _server.OutputBufferLimits.Check(c);
    }
}
