using Mirra.Engine;

namespace Mirra.Replication;

/// <summary>INFO replication's fields about our replicas, the failover state, the replication ids and the backlog.</summary>
public static class MasterInfo
{
    public static void Append(Action<string, string> text, Action<string, long> number, Server server) =>
        server.Master.AppendInfo(text, number);
}
