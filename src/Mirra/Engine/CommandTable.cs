namespace Mirra.Engine;

/// <summary>
/// All commands by name. Lookup takes the raw argument bytes and neither allocates nor cares
/// about case, like Redis's case-insensitive dict of commands.
/// </summary>
public sealed class CommandTable
{
    readonly Dictionary<string, CommandSpec> _commands = new(StringComparer.Ordinal);
    readonly Dictionary<string, CommandSpec>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public CommandTable() => _lookup = _commands.GetAlternateLookup<ReadOnlySpan<char>>();

    public CommandSpec Add(CommandSpec spec)
    {
        if (!_commands.TryAdd(spec.Name, spec)) throw new InvalidOperationException($"command '{spec.Name}' registered twice");
        return spec;
    }

    public IReadOnlyCollection<CommandSpec> All => _commands.Values;

    public CommandSpec? Find(ReadOnlySpan<byte> name)
    {
        if (name.Length == 0 || name.Length > 64) return null;
        Span<char> lower = stackalloc char[name.Length];
        for (int i = 0; i < name.Length; i++)
        {
            byte b = name[i];
            lower[i] = (char)(b >= 'A' && b <= 'Z' ? b | 0x20 : b);
        }
        return _lookup.TryGetValue(lower, out var spec) ? spec : null;
    }

    public CommandSpec? Find(string name) => _commands.TryGetValue(name.ToLowerInvariant(), out var spec) ? spec : null;
}
