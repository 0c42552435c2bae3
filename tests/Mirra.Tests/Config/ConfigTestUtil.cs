using Mirra.Config;

namespace Mirra.Tests.Config;

/// <summary>A temporary folder for config files, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("mirra-config-").FullName;

    public string Write(string name, string content)
    {
        string p = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        File.WriteAllText(p, content);
        return p;
    }

    public string Read(string name) => File.ReadAllText(System.IO.Path.Combine(Path, name));

    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch { }
    }
}

internal static class ConfigTestUtil
{
    public static ConfigRegistry Load(params string[] args)
    {
        var r = ConfigRegistry.CreateDefault();
        r.CheckLogFileOnLoad = false;
        r.LoadFromArgs(args);
        return r;
    }

    public static ConfigRegistry LoadText(string text)
    {
        var r = ConfigRegistry.CreateDefault();
        r.CheckLogFileOnLoad = false;
        r.LoadFromString(text);
        return r;
    }

    public static string Get1(this ConfigRegistry r, string name) => r.GetValue(name)!;

    public static string? Set(this ConfigRegistry r, params string[] args) => r.Set(args);
}
