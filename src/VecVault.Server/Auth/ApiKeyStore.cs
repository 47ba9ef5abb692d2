using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VecVault.Core.Errors;
using VecVault.Core.Ids;

namespace VecVault.Server.Auth;

/// <summary>
/// API keys, kept only as salted SHA-256 hashes in <c>&lt;data&gt;/auth/api-keys.json</c> (rewritten atomically).
/// A key reads <c>vv1.&lt;key id&gt;.&lt;secret&gt;</c>: the id finds the record, the secret (32 random bytes) is
/// compared by hash in constant time. A fast hash suffices: the secret is random, not a password.
/// </summary>
public sealed class ApiKeyStore
{
    private const string Prefix = "vv1";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private Dictionary<string, StoredKey> _keys;

    /// <summary>Loads the store in <paramref name="dataDirectory"/>, creating it when missing.</summary>
    public ApiKeyStore(string dataDirectory, TimeProvider time)
    {
        _path = Path.Combine(dataDirectory, "auth", "api-keys.json");
        _time = time;
        _keys = File.Exists(_path)
            ? JsonSerializer.Deserialize<List<StoredKey>>(File.ReadAllBytes(_path), Json)!.ToDictionary(k => k.Id, StringComparer.Ordinal)
            : new Dictionary<string, StoredKey>(StringComparer.Ordinal);
    }

    /// <summary>True when at least one admin key is not revoked.</summary>
    public bool HasActiveAdminKey
    {
        get
        {
            lock (_lock)
            {
                return _keys.Values.Any(k => k.Role == ApiKeyRole.Admin && !k.Revoked);
            }
        }
    }

    /// <summary>Creates a key and returns its id and secret; only the hash is stored.</summary>
    public (string KeyId, string ApiKey) Create(ApiKeyRole role, TenantId? tenant, string description)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var salt = RandomNumberGenerator.GetBytes(16);
        var stored = new StoredKey(id, role, tenant?.Value, Convert.ToBase64String(salt), Convert.ToBase64String(Hash(salt, secret)), _time.GetUtcNow(), description, Revoked: false);
        lock (_lock)
        {
            var next = new Dictionary<string, StoredKey>(_keys, StringComparer.Ordinal) { [id] = stored };
            Save(next);
            _keys = next;
        }

        return (id, $"{Prefix}.{id}.{secret}");
    }

    /// <summary>Revokes a key; NotFound when there is no such key.</summary>
    public void Revoke(string keyId)
    {
        lock (_lock)
        {
            if (!_keys.TryGetValue(keyId, out var stored))
            {
                throw VecVaultException.NotFound($"API key '{keyId}' not found");
            }

            var next = new Dictionary<string, StoredKey>(_keys, StringComparer.Ordinal) { [keyId] = stored with { Revoked = true } };
            Save(next);
            _keys = next;
        }
    }

    /// <summary>Revokes every key bound to <paramref name="tenant"/>; returns how many.</summary>
    public int RevokeTenant(TenantId tenant)
    {
        lock (_lock)
        {
            var bound = _keys.Values.Where(k => k.Tenant == tenant.Value && !k.Revoked).ToList();
            if (bound.Count > 0)
            {
                var next = new Dictionary<string, StoredKey>(_keys, StringComparer.Ordinal);
                foreach (var key in bound)
                {
                    next[key.Id] = key with { Revoked = true };
                }

                Save(next);
                _keys = next;
            }

            return bound.Count;
        }
    }

    /// <summary>The caller a presented key stands for, or null when it is malformed, unknown, revoked or wrong.</summary>
    public Caller? Authenticate(string? apiKey)
    {
        var parts = apiKey?.Split('.');
        if (parts is not [Prefix, var id, var secret])
        {
            return null;
        }

        StoredKey? stored;
        lock (_lock)
        {
            _keys.TryGetValue(id, out stored);
        }

        if (stored is null || stored.Revoked)
        {
            return null;
        }

        var expected = Convert.FromBase64String(stored.Hash);
        var actual = Hash(Convert.FromBase64String(stored.Salt), secret);
        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            return null;
        }

        return new Caller(stored.Id, stored.Role, stored.Tenant is null ? null : TenantId.Parse(stored.Tenant));
    }

    private void Save(Dictionary<string, StoredKey> keys)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var temporary = _path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            JsonSerializer.Serialize(file, keys.Values.OrderBy(k => k.Created).ToList(), Json);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
    }

    private static byte[] Hash(byte[] salt, string secret) => SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes(secret)]);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record StoredKey(string Id, ApiKeyRole Role, string? Tenant, string Salt, string Hash, DateTimeOffset Created, string Description, bool Revoked);
}
