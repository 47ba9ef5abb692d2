using System.Text.Json;
using System.Text.Json.Serialization;
using VecVault.Core.Errors;
using VecVault.Crypto.Pages;

namespace VecVault.Storage.Records;

/// <summary>
/// Encodes the plain (non-secret) catalog records: a <see cref="RecordHeader"/> followed by the record as UTF-8 JSON.
/// </summary>
public static class RecordCodec
{
    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() },
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>Encodes <paramref name="body"/> behind <paramref name="header"/>.</summary>
    public static byte[] Encode<T>(RecordHeader header, T body)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(body, Json);
        var record = new byte[RecordHeader.Size + json.Length];
        header.WriteTo(record);
        json.CopyTo(record, RecordHeader.Size);
        return record;
    }

    /// <summary>
    /// Decodes a plain record's body and checks it is exactly how this codec encodes it: a record altered in a way the
    /// decoder would tolerate (unused bits of base64, a renamed or extra field, spacing) is DataLoss too.
    /// </summary>
    public static T DecodeCanonical<T>(RecordHeader header, ReadOnlySpan<byte> record)
    {
        var body = Decode<T>(record);
        if (!Encode(header, body).AsSpan().SequenceEqual(record))
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"a {typeof(T).Name} is not in its canonical encoding");
        }

        return body;
    }

    /// <summary>Decodes a plain record's body; throws DataLoss when it does not parse.</summary>
    public static T Decode<T>(ReadOnlySpan<byte> record)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(record[RecordHeader.Size..], Json)
                ?? throw new JsonException("empty record");
        }
        catch (JsonException e)
        {
            throw new VecVaultException(ErrorCode.DataLoss, $"a {typeof(T).Name} does not parse", innerException: e);
        }
    }
}
