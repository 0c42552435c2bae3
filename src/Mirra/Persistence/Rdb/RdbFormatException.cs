namespace Mirra.Persistence.Rdb;

/// <summary>A file or payload that is not valid RDB: the message says what, <see cref="Position"/> says where.</summary>
public sealed class RdbFormatException : Exception
{
    /// <summary>Byte offset from the start of the file or payload where the problem was found (-1 unknown).</summary>
    public long Position { get; }

    public RdbFormatException(string message, long position = -1) : base(message) => Position = position;
}
