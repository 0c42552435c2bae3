namespace Mirra.Persistence.Rdb;

/// <summary>Numbers of the RDB format as Redis 7.0/7.2 define them (rdb.h).</summary>
public static class RdbConstants
{
    /// <summary>The version Mirra writes (Redis 7.0); files up to <see cref="MaxReadableVersion"/> load.</summary>
    public const int Version = 10;
    public const int MaxReadableVersion = 11;

    // Value types.
    public const byte TypeString = 0;
    public const byte TypeList = 1;
    public const byte TypeSet = 2;
    public const byte TypeZset = 3;
    public const byte TypeHash = 4;
    public const byte TypeZset2 = 5;
    public const byte TypeModule = 6;
    public const byte TypeModule2 = 7;
    public const byte TypeHashZipmap = 9;
    public const byte TypeListZiplist = 10;
    public const byte TypeSetIntset = 11;
    public const byte TypeZsetZiplist = 12;
    public const byte TypeHashZiplist = 13;
    public const byte TypeListQuicklist = 14;
    public const byte TypeStreamListpacks = 15;
    public const byte TypeHashListpack = 16;
    public const byte TypeZsetListpack = 17;
    public const byte TypeListQuicklist2 = 18;
    public const byte TypeStreamListpacks2 = 19;
    public const byte TypeSetListpack = 20;
    public const byte TypeStreamListpacks3 = 21;

    // Opcodes.
    public const byte OpFunction2 = 245;
    public const byte OpFunction = 246;
    public const byte OpModuleAux = 247;
    public const byte OpIdle = 248;
    public const byte OpFreq = 249;
    public const byte OpAux = 250;
    public const byte OpResizeDb = 251;
    public const byte OpExpireTimeMs = 252;
    public const byte OpExpireTime = 253;
    public const byte OpSelectDb = 254;
    public const byte OpEof = 255;

    // Length encoding: the top two bits of the first byte.
    public const int Len6Bit = 0;
    public const int Len14Bit = 1;
    public const byte Len32Bit = 0x80;
    public const byte Len64Bit = 0x81;
    public const int EncodedValue = 3;

    // Special string encodings (after EncodedValue).
    public const int EncInt8 = 0;
    public const int EncInt16 = 1;
    public const int EncInt32 = 2;
    public const int EncLzf = 3;

    // Quicklist v2 node containers.
    public const int QuicklistNodePlain = 1;
    public const int QuicklistNodePacked = 2;
}
