using System.Globalization;
using Microsoft.Extensions.Logging;
using VecVault.Core.Errors;
using VecVault.Core.Keys;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pages;
using VecVault.Storage.Records;

namespace VecVault.Engine.Tenants;

internal sealed partial class Tenant
{
    /// <summary>
    /// Rotates the tenant's KEK to <paramref name="newKek"/>: every live segment's DEK is unwrapped under the KEK in
    /// effect and wrapped under the new one, each rewrapped DEK is made durable, then one KekRotated record switches
    /// the tenant over. No page is re-encrypted. The switch is atomic: until the KekRotated record is durable every segment
    /// keeps its old wrapping (recovery ignores a cut-short rotation), and from then on only the new KEK is needed, so
    /// the old one may be destroyed.
    /// </summary>
    /// <returns>The new KEK version and how many DEKs were rewrapped.</returns>
    public async Task<(uint KekVersion, int RewrappedDeks)> RotateKekAsync(KekReference newKek, CancellationToken cancellationToken)
    {
        ThrowIfDenied();
        await _catalogGate.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDenied();
            await KekGate.WaitAsync(cancellationToken);
            try
            {
                return await RotateHoldingGatesAsync(newKek, cancellationToken);
            }
            finally
            {
                KekGate.Release();
            }
        }
        finally
        {
            _catalogGate.Release();
        }
    }

    private async Task<(uint KekVersion, int RewrappedDeks)> RotateHoldingGatesAsync(KekReference newKek, CancellationToken cancellationToken)
    {
        var oldKek = _kek;
        if (newKek == oldKek)
        {
            throw VecVaultException.Invalid("new_kek", "names the tenant's current KEK");
        }

        // Refuses a missing key, or an HSM without the new model's mechanism, before anything is written.
        await Task.Run(() => Keys.Check(newKek), cancellationToken);

        // The log, not memory, knows every segment: DEKs of loaded data are zeroed once it is decrypted.
        var ledger = KeyLedger.Read(_record, Log.ReadAll().Skip(1));
        var version = _kekVersion + 1;
        var rotation = Guid.NewGuid();
        var rewrappedDeks = 0;
        var rewraps = new List<(ulong Collection, ulong Segment, DekWrapping Wrapping)>();
        foreach (var (collection, descriptor, wrapping) in ledger.Segments)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var digest = DekContext.CollectionDigest(collection.CollectionId, collection.Name, collection.Dimension, collection.Metric.ToString());
            var oldContext = DekContext.Encode(Id, collection.CollectionId, descriptor.SegmentId, descriptor.DekId, wrapping.Kek, wrapping.KekVersion, digest);
            var newContext = DekContext.Encode(Id, collection.CollectionId, descriptor.SegmentId, descriptor.DekId, newKek, version, digest);
            var started = _time.GetTimestamp();
            byte[] rewrapped;
            using (var dek = await Task.Run(() => Keys.Unwrap(wrapping.Kek, wrapping.WrappedDek, oldContext), cancellationToken))
            {
                rewrapped = Keys.Wrap(newKek, dek.Span, newContext);
            }

            var hsm = _time.GetElapsedTime(started);

            // Durable one by one, so a rotation cut short anywhere leaves a prefix that recovery ignores.
            await Log.AppendAsync(
                RecordCodec.Encode(
                    new RecordHeader(RecordKind.DekRewrapped, collection.CollectionId, descriptor.SegmentId, 0),
                    new DekRewrappedRecord(rotation, collection.CollectionId, descriptor.SegmentId, rewrapped, version)),
                CancellationToken.None);
            rewrappedDeks++;
            rewraps.Add((collection.CollectionId, descriptor.SegmentId, new DekWrapping(rewrapped, newKek, version)));
            Audit.Write("rewrap", Id.Value, [.. KeyAudit.Segment(collection.Name, descriptor.SegmentId, descriptor.DekId, newKek, hsm), new("from_kek", wrapping.Kek.ToString())]);
        }

        // Switching to a key the customer revoked meanwhile would lock the tenant out: check it once more.
        await Task.Run(() => Keys.Check(newKek), cancellationToken);

        // Not cancelled once enqueued: the record may become durable, and memory must then follow the log.
        await Log.AppendAsync(
            RecordCodec.Encode(new RecordHeader(RecordKind.KekRotated, 0, 0, 0), new KekRotatedRecord(rotation, newKek, version, rewrappedDeks, _time.GetUtcNow())),
            CancellationToken.None);
        _kek = newKek;
        _kekVersion = version;
        foreach (var (collectionId, segmentId, wrapping) in rewraps)
        {
            _collections.Values.FirstOrDefault(c => c.Id == collectionId)?.Rewrap(segmentId, wrapping);
        }

        LogKekRotated(_logger, Id.Value, oldKek.ToString(), newKek.ToString(), version, rewrappedDeks);
        Audit.Write("kek-rotated", Id.Value,
        [
            new("from_kek", oldKek.ToString()),
            new("kek", newKek.ToString()),
            new("kek_version", version.ToString(CultureInfo.InvariantCulture)),
            new("rewrapped_deks", rewrappedDeks.ToString(CultureInfo.InvariantCulture)),
        ]);
        return (version, rewrappedDeks);
    }

    [LoggerMessage(EventId = 4204, Level = LogLevel.Information, Message = "Tenant {Tenant} rotated its KEK from {OldKek} to {NewKek} (version {Version}): {Rewrapped} DEKs rewrapped")]
    private static partial void LogKekRotated(ILogger logger, string tenant, string oldKek, string newKek, uint version, int rewrapped);
}
