using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>
/// Pub/Sub: SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, the sharded SSUBSCRIBE,
/// SUNSUBSCRIBE and SPUBLISH (one shard outside cluster mode), and PUBSUB's introspection.
/// The state and the delivery live in <see cref="PubSub"/>.
/// </summary>
public static class PubSubCommands
{
    const string Sub = "pubsub noscript loading stale";
    const string ShardKeys = "not_key";

    public static void Register(CommandTable t)
    {
        t.Add(new CommandSpec("subscribe", -2, Sub, 0, 0, 0, Subscribe) { Group = "pubsub", Since = "2.0.0", Complexity = "O(N) for N channels", Summary = "Starts receiving the messages published on the given channels." });
        t.Add(new CommandSpec("psubscribe", -2, Sub, 0, 0, 0, PSubscribe) { Group = "pubsub", Since = "2.0.0", Complexity = "O(N) per pattern, N being the patterns the client already has", Summary = "Starts receiving the messages published on channels whose names match the given glob patterns." });
        t.Add(new CommandSpec("unsubscribe", -1, Sub, 0, 0, 0, Unsubscribe) { Group = "pubsub", Since = "2.0.0", Complexity = "O(N) per channel, N being its subscribers", Summary = "Stops receiving the messages of the given channels, or of every channel." });
        t.Add(new CommandSpec("punsubscribe", -1, Sub, 0, 0, 0, PUnsubscribe) { Group = "pubsub", Since = "2.0.0", Complexity = "O(N+M) per pattern: N the client's patterns, M the subscribers of the pattern", Summary = "Stops receiving the messages of the given patterns, or of every pattern." });
        t.Add(new CommandSpec("publish", 3, "pubsub loading stale fast", 0, 0, 0, Publish) { Group = "pubsub", Since = "2.0.0", Complexity = "O(N+M): N subscribers of the channel, M patterns subscribed to by any client", Summary = "Sends a message to the subscribers of a channel and of the patterns matching it." });
        t.Add(new CommandSpec("ssubscribe", -2, Sub, 1, -1, 1, SSubscribe) { Group = "pubsub", Since = "7.0.0", KeySpecs = ShardKeys, Complexity = "O(N) for N shard channels", Summary = "Starts receiving the messages published on the given shard channels." });
        t.Add(new CommandSpec("sunsubscribe", -1, Sub, 1, -1, 1, SUnsubscribe) { Group = "pubsub", Since = "7.0.0", KeySpecs = ShardKeys, Complexity = "O(N) per shard channel, N being its subscribers", Summary = "Stops receiving the messages of the given shard channels, or of every shard channel." });
        t.Add(new CommandSpec("spublish", 3, "pubsub loading stale fast", 1, 1, 1, SPublish) { Group = "pubsub", Since = "7.0.0", KeySpecs = ShardKeys, Complexity = "O(N) for N subscribers of the shard channel", Summary = "Sends a message to the subscribers of a shard channel." });

        var pubsub = t.Add(new CommandSpec("pubsub", -2, "", 0, 0, 0, null) { Group = "pubsub", Acl = "", Since = "2.8.0", Complexity = "Depends on the subcommand", Summary = "Inspects the state of Pub/Sub." });
        pubsub.AddSubcommand(new CommandSpec("channels", -2, "pubsub loading stale", 0, 0, 0, Channels) { Group = "pubsub", Since = "2.8.0", Complexity = "O(N) for N channels with subscribers (one pattern match each)", Summary = "Lists the channels that have subscribers, optionally only those matching a pattern." });
        pubsub.AddSubcommand(new CommandSpec("numpat", 2, "pubsub loading stale", 0, 0, 0, NumPat) { Group = "pubsub", Since = "2.8.0", Summary = "Counts the distinct patterns clients are subscribed to." });
        pubsub.AddSubcommand(new CommandSpec("numsub", -2, "pubsub loading stale", 0, 0, 0, NumSub) { Group = "pubsub", Since = "2.8.0", Complexity = "O(N) for N channels asked about", Summary = "Counts the subscribers of channels (pattern subscriptions excluded)." });
        pubsub.AddSubcommand(new CommandSpec("shardchannels", -2, "pubsub loading stale", 0, 0, 0, ShardChannels) { Group = "pubsub", Since = "7.0.0", Complexity = "O(N) for N shard channels with subscribers (one pattern match each)", Summary = "Lists the shard channels that have subscribers, optionally only those matching a pattern." });
        pubsub.AddSubcommand(new CommandSpec("shardnumsub", -2, "pubsub loading stale", 0, 0, 0, ShardNumSub) { Group = "pubsub", Since = "7.0.0", Complexity = "O(N) for N shard channels asked about", Summary = "Counts the subscribers of shard channels." });
        pubsub.AddSubcommand(new CommandSpec("help", 2, "loading stale", 0, 0, 0, Help) { Group = "pubsub", Acl = "", Since = "6.2.0", Complexity = "O(1)", Summary = "Lists the PUBSUB subcommands." });
    }

    /// <summary>
    /// Commands a RESP2 client may run while subscribed (Redis's processCommand list); the dispatcher
    /// refuses the others. RESP3 clients may run anything: their messages are pushes.
    /// </summary>
    public static bool AllowedWhileSubscribed(CommandSpec command)
    {
        var root = command.Parent ?? command;
        return root.Name is "ping" or "subscribe" or "ssubscribe" or "unsubscribe" or "sunsubscribe"
            or "psubscribe" or "punsubscribe" or "quit" or "reset";
    }

    public static string SubscribedContextError(CommandSpec command) =>
        $"ERR Can't execute '{command.FullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";

    static void Subscribe(CommandContext ctx)
    {
        var ps = ctx.Server.PubSub;
        for (int i = 1; i < ctx.ArgCount; i++) ps.Subscribe(ctx.Client, ctx.Arg(i));
    }

    static void PSubscribe(CommandContext ctx)
    {
        var ps = ctx.Server.PubSub;
        for (int i = 1; i < ctx.ArgCount; i++) ps.PSubscribe(ctx.Client, ctx.Arg(i));
    }

    /// <summary>SSUBSCRIBE: refused inside a transaction (Redis denies it to "DENY BLOCKING" clients, which EXEC makes them).</summary>
    static void SSubscribe(CommandContext ctx)
    {
        if (ctx.Client.Is(ClientFlags.Multi)) { ctx.Error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"); return; }
        var ps = ctx.Server.PubSub;
        for (int i = 1; i < ctx.ArgCount; i++) ps.SSubscribe(ctx.Client, ctx.Arg(i));
    }

    static void Unsubscribe(CommandContext ctx)
    {
        var ps = ctx.Server.PubSub;
        if (ctx.ArgCount == 1) ps.UnsubscribeAll(ctx.Client);
        else for (int i = 1; i < ctx.ArgCount; i++) ps.Unsubscribe(ctx.Client, ctx.Arg(i));
    }

    static void PUnsubscribe(CommandContext ctx)
    {
        var ps = ctx.Server.PubSub;
        if (ctx.ArgCount == 1) ps.PUnsubscribeAll(ctx.Client);
        else for (int i = 1; i < ctx.ArgCount; i++) ps.PUnsubscribe(ctx.Client, ctx.Arg(i));
    }

    static void SUnsubscribe(CommandContext ctx)
    {
        var ps = ctx.Server.PubSub;
        if (ctx.ArgCount == 1) ps.SUnsubscribeAll(ctx.Client);
        else for (int i = 1; i < ctx.ArgCount; i++) ps.SUnsubscribe(ctx.Client, ctx.Arg(i));
    }

    /// <summary>
    /// PUBLISH channel message: replies the number of receivers. Like Redis outside cluster mode the
    /// command is replicated as received, to replicas only (never to the AOF).
    /// </summary>
    static void Publish(CommandContext ctx)
    {
        long receivers = ctx.Server.PubSub.Publish(ctx.Arg(1), ctx.Arg(2));
        ctx.Server.Propagation.Add(ctx.Db.Index, ctx.CopyArgs(), Replication.PropagationTargets.Replicas);
        ctx.Reply.Integer(receivers);
    }

    /// <summary>SPUBLISH shardchannel message: outside cluster mode, replicated like PUBLISH.</summary>
    static void SPublish(CommandContext ctx)
    {
        long receivers = ctx.Server.PubSub.SPublish(ctx.Arg(1), ctx.Arg(2));
        ctx.Server.Propagation.Add(ctx.Db.Index, ctx.CopyArgs(), Replication.PropagationTargets.Replicas);
        ctx.Reply.Integer(receivers);
    }

    // ---- PUBSUB ----

    static void Channels(CommandContext ctx) => ListChannels(ctx, shard: false);
    static void ShardChannels(CommandContext ctx) => ListChannels(ctx, shard: true);

    /// <summary>PUBSUB CHANNELS|SHARDCHANNELS [pattern]</summary>
    static void ListChannels(CommandContext ctx, bool shard)
    {
        if (ctx.ArgCount > 3) { HelpReply.SubcommandSyntaxError(ctx); return; }
        var names = ctx.Server.PubSub.ActiveChannels(ctx.ArgCount == 3 ? ctx.Arg(2) : default, ctx.ArgCount == 2, shard);
        ctx.Reply.ArrayHeader(names.Count);
        foreach (var name in names) ctx.Reply.Bulk(name);
    }

    static void NumPat(CommandContext ctx) => ctx.Reply.Integer(ctx.Server.PubSub.PatternCount);

    static void NumSub(CommandContext ctx) => CountSubscribers(ctx, shard: false);
    static void ShardNumSub(CommandContext ctx) => CountSubscribers(ctx, shard: true);

    /// <summary>PUBSUB NUMSUB|SHARDNUMSUB [channel ...]: a flat array of channel, count (in RESP3 too).</summary>
    static void CountSubscribers(CommandContext ctx, bool shard)
    {
        var ps = ctx.Server.PubSub;
        ctx.Reply.ArrayHeader((ctx.ArgCount - 2) * 2);
        for (int i = 2; i < ctx.ArgCount; i++)
        {
            var channel = ctx.Arg(i);
            ctx.Reply.Bulk(channel);
            ctx.Reply.Integer(shard ? ps.ShardNumSub(channel) : ps.NumSub(channel));
        }
    }

    static readonly string[] HelpLines =
    {
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
    };

    static void Help(CommandContext ctx) => HelpReply.Write(ctx, "PUBSUB", HelpLines);
}
