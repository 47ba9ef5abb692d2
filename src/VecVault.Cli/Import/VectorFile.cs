using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using VecVault.Client;
using VecVault.Protocol.V1;

namespace VecVault.Cli.Import;

/// <summary>
/// Reads vectors to import: <c>.fvecs</c> (TEXMEX: per vector an int32 dimension and that many float32, little-endian),
/// <c>.npy</c> (a 2-D array of <c>&lt;f4</c> or <c>&lt;f8</c>, C order) or JSON lines (<c>{"id": 7 or "uuid", "vector": [...], "payload": {...}}</c>).
/// fvecs and npy rows get ids <c>firstId</c>, <c>firstId + 1</c>, ...
/// </summary>
internal sealed partial class VectorFile
{
    private readonly string _path;
    private readonly string _format;

    private VectorFile(string path, string format, long count, int dimension)
    {
        _path = path;
        _format = format;
        Count = count;
        Dimension = dimension;
    }

    /// <summary>Number of vectors in the file.</summary>
    public long Count { get; }

    /// <summary>Their dimension (0 for JSON lines: each line says).</summary>
    public int Dimension { get; }

    /// <summary>Opens <paramref name="path"/>; <paramref name="format"/> is fvecs, npy, jsonl or empty to go by the extension.</summary>
    public static VectorFile Open(string path, string format)
    {
        format = format.Length > 0 ? format : Path.GetExtension(path).TrimStart('.').ToLowerInvariant() switch
        {
            "fvecs" => "fvecs",
            "npy" => "npy",
            "jsonl" or "ndjson" or "json" => "jsonl",
            var other => throw new FormatException($"cannot tell the format of '{Path.GetFileName(path)}' (extension '{other}'): pass --format fvecs, npy or jsonl"),
        };
        var length = new FileInfo(path).Length;
        return format switch
        {
            "fvecs" => OpenFvecs(path, length),
            "npy" => OpenNpy(path),
            "jsonl" => new VectorFile(path, format, File.ReadLines(path).LongCount(line => line.Trim().Length > 0), 0),
            _ => throw new FormatException($"unknown format '{format}': fvecs, npy or jsonl"),
        };
    }

    private static VectorFile OpenFvecs(string path, long length)
    {
        var dimension = 0;
        if (length >= 4)
        {
            using var stream = File.OpenRead(path);
            Span<byte> header = stackalloc byte[4];
            stream.ReadExactly(header);
            dimension = BinaryPrimitives.ReadInt32LittleEndian(header);
        }

        if (dimension <= 0 || length % (4 + (4L * dimension)) != 0)
        {
            throw new FormatException($"'{Path.GetFileName(path)}' is not an fvecs file (dimension {dimension}, {length} bytes)");
        }

        return new VectorFile(path, "fvecs", length / (4 + (4L * dimension)), dimension);
    }

    private static VectorFile OpenNpy(string path)
    {
        var (_, rows, columns, _) = ReadNpyHeader(path);
        return new VectorFile(path, "npy", rows, columns);
    }

    /// <summary>The points, in file order.</summary>
    public IEnumerable<PointStruct> Read(ulong firstId) => _format switch
    {
        "fvecs" => ReadFvecs(firstId),
        "npy" => ReadNpy(firstId),
        _ => ReadJsonLines(),
    };

    private IEnumerable<PointStruct> ReadFvecs(ulong firstId)
    {
        using var reader = new BinaryReader(File.OpenRead(_path));
        var vector = new float[Dimension];
        for (long i = 0; i < Count; i++)
        {
            if (reader.ReadInt32() != Dimension)
            {
                throw new FormatException($"vector {i} of '{Path.GetFileName(_path)}' has another dimension");
            }

            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(vector.AsSpan()));
            yield return Points.Create(firstId + (ulong)i, vector);
        }
    }

    private IEnumerable<PointStruct> ReadNpy(ulong firstId)
    {
        var (offset, rows, columns, wide) = ReadNpyHeader(_path);
        using var reader = new BinaryReader(File.OpenRead(_path));
        reader.BaseStream.Position = offset;
        var vector = new float[columns];
        for (long i = 0; i < rows; i++)
        {
            if (wide)
            {
                for (var d = 0; d < columns; d++)
                {
                    vector[d] = (float)reader.ReadDouble();
                }
            }
            else
            {
                reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(vector.AsSpan()));
            }

            yield return Points.Create(firstId + (ulong)i, vector);
        }
    }

    private IEnumerable<PointStruct> ReadJsonLines()
    {
        var number = 0;
        foreach (var line in File.ReadLines(_path))
        {
            number++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var point = new PointStruct { Vector = new Vector() };
            point.Id = root.TryGetProperty("id", out var id) ? id.ValueKind switch
            {
                JsonValueKind.Number => new PointId { Num = id.GetUInt64() },
                JsonValueKind.String => new PointId { Uuid = id.GetString() },
                _ => throw new FormatException($"line {number}: id must be a number or a UUID string"),
            } : throw new FormatException($"line {number}: no id");
            if (!root.TryGetProperty("vector", out var vector) || vector.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"line {number}: no vector array");
            }

            point.Vector.Data.AddRange(vector.EnumerateArray().Select(v => v.GetSingle()));
            if (root.TryGetProperty("payload", out var payload) && payload.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in payload.EnumerateObject())
                {
                    point.Payload[field.Name] = ToValue(field.Value);
                }
            }

            yield return point;
        }
    }

    private static Value ToValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => new Value { StringValue = element.GetString() },
        JsonValueKind.Number when element.TryGetInt64(out var integer) => new Value { IntegerValue = integer },
        JsonValueKind.Number => new Value { DoubleValue = element.GetDouble() },
        JsonValueKind.True or JsonValueKind.False => new Value { BoolValue = element.GetBoolean() },
        JsonValueKind.Array => new Value { ListValue = new ListValue { Values = { element.EnumerateArray().Select(ToValue) } } },
        JsonValueKind.Object => new Value { StructValue = new Struct { Fields = { element.EnumerateObject().ToDictionary(f => f.Name, f => ToValue(f.Value)) } } },
        _ => new Value { NullValue = NullValue.NullValue },
    };

    /// <summary>The data offset, shape and element width of a 2-D little-endian float .npy file in C order.</summary>
    private static (long Offset, long Rows, int Columns, bool Wide) ReadNpyHeader(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var magic = reader.ReadBytes(6);
        if (magic.Length < 6 || magic[0] != 0x93 || Encoding.ASCII.GetString(magic, 1, 5) != "NUMPY")
        {
            throw new FormatException($"'{Path.GetFileName(path)}' is not a .npy file");
        }

        var major = reader.ReadByte();
        reader.ReadByte();
        var headerLength = major == 1 ? reader.ReadUInt16() : (int)reader.ReadUInt32();
        var header = Encoding.Latin1.GetString(reader.ReadBytes(headerLength));
        var descr = Descr().Match(header).Groups[1].Value;
        var shape = Shape().Match(header);
        if (descr is not ("<f4" or "<f8") || header.Contains("'fortran_order': True", StringComparison.Ordinal) || !shape.Success)
        {
            throw new FormatException($"'{Path.GetFileName(path)}': only 2-D little-endian float32 or float64 arrays in C order are read (descr {descr})");
        }

        return (reader.BaseStream.Position, long.Parse(shape.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(shape.Groups[2].Value, CultureInfo.InvariantCulture), descr == "<f8");
    }

    [GeneratedRegex(@"'descr':\s*'([^']*)'")]
    private static partial Regex Descr();

    [GeneratedRegex(@"'shape':\s*\((\d+),\s*(\d+)\)")]
    private static partial Regex Shape();
}
