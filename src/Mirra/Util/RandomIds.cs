namespace Mirra.Util;

/// <summary>
/// Random 40-hex-character identifiers (run_id, replication ids), read from /dev/urandom like
/// Redis's getRandomHexChars. Not through RandomNumberGenerator: on Linux that loads OpenSSL,
/// which costs 3-4 MB of resident memory for nothing else.
/// </summary>
public static class RandomIds
{
    public static string NewHexId(int bytes = 20)
    {
        var buffer = new byte[bytes];
        try
        {
            using var urandom = File.OpenRead("/dev/urandom");
            urandom.ReadExactly(buffer);
        }
        catch (IOException)
        {
            Random.Shared.NextBytes(buffer);
        }
        return Convert.ToHexString(buffer).ToLowerInvariant();
    }
}
