using Mirra.Engine;

namespace Mirra.Commands;

/// <summary>Every command family registers its commands here (one line per family).</summary>
public static class CommandRegistry
{
    public static void RegisterAll(Server server)
    {
        var table = server.Commands;
        ConnectionCommands.Register(table);
        StringCommands.Register(table);
        ConfigCommands.Register(table);
        InfoCommands.Register(table);
        ObservabilityCommands.Register(table);
        DebugCommands.Register(table);
        BitCommands.Register(table);
        KeyCommands.Register(table);
        ExpireCommands.Register(table);
        ServerKeyspaceCommands.Register(table);
        HashCommands.Register(table);
        SetCommands.Register(table);
        SortedSetCommands.Register(table);
        SortedSetBlockingCommands.Register(table);
        ListCommands.Register(table);
        ClientCommands.Register(table);
        CommandCommands.Register(table);
        MonitorCommands.Register(table);
        ShutdownCommands.Register(table);
        TransactionCommands.Register(table);
        HyperLogLogCommands.Register(table);
        PubSubCommands.Register(table);
        PersistenceCommands.Register(table);
        DumpRestoreCommands.Register(table);
        SyncCommands.Register(table);
        WaitCommands.Register(table);
        ReplicaOfCommands.Register(table);
        FailoverCommands.Register(table);
    }
}
