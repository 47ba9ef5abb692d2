using VecVault.Core.Collections;
using VecVault.Core.Errors;
using Proto = VecVault.Protocol.V1;

namespace VecVault.Server.Mapping;

/// <summary>Collections between the wire and the engine.</summary>
public static class CollectionMapping
{
    /// <summary>Reads a collection configuration.</summary>
    public static CollectionConfig ToCore(Proto.CollectionConfig? config)
    {
        if (config is null)
        {
            throw VecVaultException.Invalid("config", "must be set");
        }

        var metric = config.Metric switch
        {
            Proto.Metric.Cosine => Metric.Cosine,
            Proto.Metric.L2 => Metric.L2,
            Proto.Metric.Dot => Metric.Dot,
            _ => throw VecVaultException.Invalid("config.metric", "must be METRIC_COSINE, METRIC_L2 or METRIC_DOT"),
        };
        if (config.Dimension is 0 or > CollectionConfig.MaxDimension)
        {
            throw VecVaultException.Invalid("config.dimension", $"must be between 1 and {CollectionConfig.MaxDimension}");
        }

        var hnsw = config.Hnsw is null ? HnswConfig.Default : new HnswConfig(
            config.Hnsw.M == 0 ? HnswConfig.Default.M : (int)Math.Min(config.Hnsw.M, int.MaxValue),
            config.Hnsw.EfConstruction == 0 ? HnswConfig.Default.EfConstruction : (int)Math.Min(config.Hnsw.EfConstruction, int.MaxValue),
            config.Hnsw.EfSearch == 0 ? HnswConfig.Default.EfSearch : (int)Math.Min(config.Hnsw.EfSearch, int.MaxValue));
        var indexes = config.PayloadIndexes.Select((index, i) => new PayloadIndexSpec(index.Field, index.Type switch
        {
            Proto.PayloadFieldType.Keyword => PayloadFieldType.Keyword,
            Proto.PayloadFieldType.Integer => PayloadFieldType.Integer,
            Proto.PayloadFieldType.Float => PayloadFieldType.Float,
            Proto.PayloadFieldType.Bool => PayloadFieldType.Bool,
            _ => throw VecVaultException.Invalid($"config.payload_indexes[{i}].type", "must be PAYLOAD_FIELD_TYPE_KEYWORD, INTEGER, FLOAT or BOOL"),
        })).ToList();
        var segmentMaxPoints = config.SegmentMaxPoints == 0 ? CollectionConfig.DefaultSegmentMaxPoints : (int)Math.Min(config.SegmentMaxPoints, int.MaxValue);
        return new CollectionConfig((int)config.Dimension, metric) { Hnsw = hnsw.Validate(), PayloadIndexes = indexes, SegmentMaxPoints = segmentMaxPoints }.Validate();
    }

    /// <summary>Writes collection information.</summary>
    public static Proto.CollectionInfo ToProto(CollectionInfo info) => new()
    {
        Name = info.Name,
        Config = new Proto.CollectionConfig
        {
            Dimension = (uint)info.Config.Dimension,
            Metric = info.Config.Metric switch
            {
                Metric.Cosine => Proto.Metric.Cosine,
                Metric.L2 => Proto.Metric.L2,
                _ => Proto.Metric.Dot,
            },
            Hnsw = new Proto.HnswConfig
            {
                M = (uint)info.Config.Hnsw.M,
                EfConstruction = (uint)info.Config.Hnsw.EfConstruction,
                EfSearch = (uint)info.Config.Hnsw.EfSearch,
            },
            SegmentMaxPoints = (uint)info.Config.SegmentMaxPoints,
            PayloadIndexes =
            {
                info.Config.PayloadIndexes.Select(index => new Proto.PayloadIndex
                {
                    Field = index.Field,
                    Type = (Proto.PayloadFieldType)(int)index.Type,
                }),
            },
        },
        PointCount = (ulong)info.PointCount,
        SegmentCount = (uint)info.SegmentCount,
        QuarantinedSegmentCount = (uint)info.QuarantinedSegmentCount,
    };
}
