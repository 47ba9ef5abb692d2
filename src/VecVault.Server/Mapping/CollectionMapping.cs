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

        return new CollectionConfig((int)config.Dimension, metric);
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
        },
        PointCount = (ulong)info.PointCount,
        SegmentCount = (uint)info.SegmentCount,
        QuarantinedSegmentCount = (uint)info.QuarantinedSegmentCount,
    };
}
