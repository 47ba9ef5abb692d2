using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace VecVault.Crypto.Audit;

/// <summary>
/// An append-only, hash-chained log of key operations (JSON lines in one file): each record carries the SHA-256 of
/// the previous one, so an edited, deleted, inserted or reordered record breaks the chain, which
/// <see cref="Verify()"/> finds. Cutting records off the end is not detectable from the file alone: the latest
/// sequence number and hash should also be kept elsewhere (they are in every record streamed to a collector).
/// </summary>
public sealed class AuditLog : IDisposable
{
    private const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly FileStream _file;
    private readonly List<Channel<AuditRecord>> _followers = [];
    private ulong _sequence;
    private string _lastHash = Genesis;

    /// <summary>Opens (or creates) the log at <paramref name="path"/> and continues its chain.</summary>
    public AuditLog(string path, TimeProvider time)
    {
        Path = path;
        _time = time;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        foreach (var record in ReadAll(path))
        {
            _sequence = record.Sequence;
            _lastHash = record.Hash;
        }

        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>Appends a record and flushes it to disk. Never pass secrets in <paramref name="details"/>.</summary>
    public AuditRecord Write(string @event, string tenant, IEnumerable<KeyValuePair<string, string>>? details = null)
    {
        lock (_lock)
        {
            var sequence = _sequence + 1;
            var fields = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in details ?? [])
            {
                fields[key] = value;
            }

            var time = _time.GetUtcNow();
            var record = new AuditRecord(sequence, time, @event, tenant, fields, _lastHash, HashOf(sequence, time, @event, tenant, fields, _lastHash));
            _file.Write(JsonSerializer.SerializeToUtf8Bytes(record, Json));
            _file.WriteByte((byte)'\n');
            _file.Flush(flushToDisk: true);
            _sequence = sequence;
            _lastHash = record.Hash;
            foreach (var follower in _followers)
            {
                follower.Writer.TryWrite(record);
            }

            return record;
        }
    }

    /// <summary>Records from <paramref name="fromSequence"/> on; with <paramref name="follow"/>, then every new record until cancelled.</summary>
    public async IAsyncEnumerable<AuditRecord> ReadAsync(ulong fromSequence, bool follow, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var live = Channel.CreateUnbounded<AuditRecord>();
        ulong last;
        lock (_lock)
        {
            last = _sequence;
            if (follow)
            {
                _followers.Add(live);
            }
        }

        try
        {
            foreach (var record in ReadAll(Path).Where(r => r.Sequence >= fromSequence && r.Sequence <= last))
            {
                yield return record;
            }

            if (!follow)
            {
                yield break;
            }

            await foreach (var record in live.Reader.ReadAllAsync(cancellationToken))
            {
                if (record.Sequence >= fromSequence)
                {
                    yield return record;
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _followers.Remove(live);
            }
        }
    }

    /// <summary>Checks every record's hash and its link to the one before.</summary>
    public AuditVerification Verify()
    {
        lock (_lock)
        {
            return Verify(Path);
        }
    }

    /// <summary>Checks the chain of the log file at <paramref name="path"/>.</summary>
    public static AuditVerification Verify(string path)
    {
        var previous = Genesis;
        ulong expected = 1;
        foreach (var line in File.ReadLines(path))
        {
            AuditRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<AuditRecord>(line, Json);
            }
            catch (JsonException)
            {
                record = null;
            }

            if (record is null)
            {
                return new AuditVerification(false, expected - 1, expected, "a record does not parse");
            }

            if (record.Sequence != expected)
            {
                return new AuditVerification(false, expected - 1, expected, $"record {record.Sequence} stands where record {expected} belongs (deleted, inserted or reordered)");
            }

            if (record.PreviousHash != previous)
            {
                return new AuditVerification(false, expected - 1, expected, "the link to the previous record is broken");
            }

            if (record.Hash != HashOf(record.Sequence, record.Time, record.Event, record.Tenant, record.Details, record.PreviousHash))
            {
                return new AuditVerification(false, expected - 1, expected, "the record was altered");
            }

            previous = record.Hash;
            expected++;
        }

        return new AuditVerification(true, expected - 1, 0, "");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var follower in _followers)
            {
                follower.Writer.TryComplete();
            }

            _file.Dispose();
        }
    }

    private static IEnumerable<AuditRecord> ReadAll(string path) =>
        File.Exists(path)
            ? File.ReadLines(path).Where(line => line.Length > 0).Select(line => JsonSerializer.Deserialize<AuditRecord>(line, Json)!)
            : [];

    private static string HashOf(ulong sequence, DateTimeOffset time, string @event, string tenant, SortedDictionary<string, string> details, string previous)
    {
        var canonical = new StringBuilder()
            .Append(sequence).Append('\n')
            .Append(time.UtcTicks).Append('\n')
            .Append(@event).Append('\n')
            .Append(tenant).Append('\n');
        foreach (var (key, value) in details)
        {
            canonical.Append(key).Append('=').Append(value).Append('\n');
        }

        canonical.Append(previous);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }
}
