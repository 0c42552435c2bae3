using Mirra.Engine;

namespace Mirra.Replication;

/// <summary>INFO replication's fields about the link to our master (Redis prints them only on a replica).</summary>
public static class ReplicaInfo
{
    public static void Append(Action<string, string> text, Action<string, long> number, Server server)
    {
        if (!server.IsReplica) return;
    }
}
