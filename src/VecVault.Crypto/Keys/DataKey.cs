using System.Buffers.Binary;
using System.Security.Cryptography;
using VecVault.Memory.Locked;

namespace VecVault.Crypto.Keys;

/// <summary>
/// A segment's data-encryption key: 32 random bytes in locked memory, an id, and the random nonce prefix
/// of the segment. Disposing zeroes the key.
/// </summary>
public sealed class DataKey : IDisposable
{
    /// <summary>Key length in bytes (AES-256).</summary>
    public const int KeyLength = 32;

    /// <summary>DEK id length in bytes.</summary>
    public const int IdLength = 16;

    private readonly LockedBuffer _key;

    /// <summary>Takes ownership of <paramref name="key"/>.</summary>
    public DataKey(LockedBuffer key, ReadOnlySpan<byte> id, uint noncePrefix)
    {
        if (key.Length != KeyLength)
        {
            key.Dispose();
            throw new ArgumentException($"a DEK is {KeyLength} bytes", nameof(key));
        }

        if (id.Length != IdLength)
        {
            key.Dispose();
            throw new ArgumentException($"a DEK id is {IdLength} bytes", nameof(id));
        }

        _key = key;
        Id = id.ToArray();
        NoncePrefix = noncePrefix;
    }

    /// <summary>The DEK's id, bound into every record's associated data.</summary>
    public byte[] Id { get; }

    /// <summary>The first 4 bytes of every nonce under this key; the record sequence number fills the other 8.</summary>
    public uint NoncePrefix { get; }

    /// <summary>The key bytes; valid until disposal.</summary>
    public ReadOnlySpan<byte> Key => _key.Span;

    /// <summary>True once zeroed.</summary>
    public bool IsDisposed => _key.IsDisposed;

    /// <summary>A fresh random DEK, id and nonce prefix.</summary>
    public static DataKey Generate()
    {
        var key = LockedBuffer.Allocate(KeyLength);
        RandomNumberGenerator.Fill(key.Span);
        Span<byte> id = stackalloc byte[IdLength];
        RandomNumberGenerator.Fill(id);
        Span<byte> prefix = stackalloc byte[4];
        RandomNumberGenerator.Fill(prefix);
        return new DataKey(key, id, BinaryPrimitives.ReadUInt32LittleEndian(prefix));
    }

    /// <summary>Zeroes and frees the key.</summary>
    public void Dispose() => _key.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"DEK {Convert.ToHexStringLower(Id)} (REDACTED)";
}
