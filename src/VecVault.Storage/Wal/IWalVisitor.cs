using VecVault.Core.Ids;

namespace VecVault.Storage.Wal;

/// <summary>Receives the ops of a WAL batch as <see cref="WalBatch.Replay"/> walks it; the spans are valid only during the call.</summary>
public interface IWalVisitor
{
    /// <summary>An upsert of <paramref name="id"/>; <paramref name="payload"/> is UTF-8 JSON, or empty.</summary>
    void Upsert(PointId id, ReadOnlySpan<float> vector, ReadOnlySpan<byte> payload);

    /// <summary>A delete of <paramref name="id"/>.</summary>
    void Delete(PointId id);
}
