using System.Diagnostics;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Options;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Core.Points;
using VecVault.Engine;
using VecVault.Protocol.V1;
using VecVault.Server.Auth;
using VecVault.Server.Mapping;
using VecVault.Server.Options;
using CorePoint = VecVault.Core.Points.Point;
using CoreScoredPoint = VecVault.Core.Points.ScoredPoint;
using Proto = VecVault.Protocol.V1;

namespace VecVault.Server.Services;

/// <summary>VectorService: validate, take the tenant from the credential, call the engine, map the result.</summary>
public sealed class VectorServiceImpl(VaultEngine engine, IOptions<VecVaultOptions> options) : VectorService.VectorServiceBase
{
    private readonly VecVaultOptions.LimitOptions _limits = options.Value.Limits;

    /// <inheritdoc />
    public override async Task<CreateCollectionResponse> CreateCollection(CreateCollectionRequest request, ServerCallContext context)
    {
        var info = await engine.CreateCollectionAsync(Tenant(context), request.Name, CollectionMapping.ToCore(request.Config), context.CancellationToken);
        return new CreateCollectionResponse { Collection = CollectionMapping.ToProto(info) };
    }

    /// <inheritdoc />
    public override Task<GetCollectionResponse> GetCollection(GetCollectionRequest request, ServerCallContext context) =>
        Task.FromResult(new GetCollectionResponse { Collection = CollectionMapping.ToProto(engine.GetCollection(Tenant(context), request.Name)) });

    /// <inheritdoc />
    public override Task<ListCollectionsResponse> ListCollections(ListCollectionsRequest request, ServerCallContext context)
    {
        var response = new ListCollectionsResponse();
        response.Collections.AddRange(engine.ListCollections(Tenant(context)).Select(CollectionMapping.ToProto));
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override async Task<DeleteCollectionResponse> DeleteCollection(DeleteCollectionRequest request, ServerCallContext context)
    {
        await engine.DeleteCollectionAsync(Tenant(context), request.Name, context.CancellationToken);
        return new DeleteCollectionResponse();
    }

    /// <inheritdoc />
    public override async Task<UpsertResponse> Upsert(UpsertRequest request, ServerCallContext context)
    {
        var points = ToPoints(request.Points, "points");
        var written = await engine.UpsertAsync(Tenant(context), request.Collection, points, context.CancellationToken);
        return new UpsertResponse { Upserted = (ulong)written };
    }

    /// <inheritdoc />
    public override async Task<UpsertStreamResponse> UpsertStream(IAsyncStreamReader<UpsertStreamRequest> requestStream, ServerCallContext context)
    {
        var tenant = Tenant(context);
        string? collection = null;
        ulong upserted = 0, batches = 0;
        await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
        {
            collection ??= message.Collection.Length > 0 ? message.Collection : throw VecVaultException.Invalid("collection", "the first message must name the collection");
            if (message.Collection.Length > 0 && message.Collection != collection)
            {
                throw VecVaultException.Invalid("collection", "all messages of a stream must name the same collection");
            }

            var points = ToPoints(message.Points, $"batches[{batches}].points");
            upserted += (ulong)await engine.UpsertAsync(tenant, collection, points, context.CancellationToken);
            batches++;
        }

        return new UpsertStreamResponse { Upserted = upserted, Batches = batches };
    }

    /// <inheritdoc />
    public override Task<GetPointsResponse> Get(GetPointsRequest request, ServerCallContext context)
    {
        CheckBatch(request.Ids.Count, "ids");
        var ids = request.Ids.Select((id, i) => PointIdMapping.ToCore(id, $"ids[{i}]")).ToList();
        var response = new GetPointsResponse();
        var points = engine.Get(Tenant(context), request.Collection, ids, WithPayload(request.WithPayload), request.WithVectors);
        response.Points.AddRange(points.Select(p => ToRetrieved(p, request.WithVectors)));
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override async Task<DeletePointsResponse> Delete(DeletePointsRequest request, ServerCallContext context)
    {
        if (request.SelectorCase == DeletePointsRequest.SelectorOneofCase.Filter)
        {
            if (request.Filter.Must.Count + request.Filter.Should.Count + request.Filter.MustNot.Count == 0)
            {
                throw VecVaultException.Invalid("filter", "must hold at least one condition (to delete every point, delete the collection)");
            }

            var filter = FilterMapping.ToCore(request.Filter)!;
            return new DeletePointsResponse { Deleted = (ulong)await engine.DeleteAsync(Tenant(context), request.Collection, filter, context.CancellationToken) };
        }

        if (request.SelectorCase != DeletePointsRequest.SelectorOneofCase.Ids)
        {
            throw VecVaultException.Invalid("ids", "give ids or a filter");
        }

        if (request.Ids.Ids.Count == 0)
        {
            throw VecVaultException.Invalid("ids.ids", "must hold at least one id");
        }

        CheckBatch(request.Ids.Ids.Count, "ids.ids");
        var ids = request.Ids.Ids.Select((id, i) => PointIdMapping.ToCore(id, $"ids.ids[{i}]")).ToList();
        var deleted = await engine.DeleteAsync(Tenant(context), request.Collection, ids, context.CancellationToken);
        return new DeletePointsResponse { Deleted = (ulong)deleted };
    }

    /// <inheritdoc />
    public override Task<SearchResponse> Search(SearchRequest request, ServerCallContext context) =>
        Task.FromResult(RunSearch(Tenant(context), request.Collection, request, "", context.CancellationToken));

    /// <inheritdoc />
    public override Task<SearchBatchResponse> SearchBatch(SearchBatchRequest request, ServerCallContext context)
    {
        if (request.Searches.Count == 0 || request.Searches.Count > _limits.MaxSearchBatch)
        {
            throw VecVaultException.Invalid("searches", $"must hold 1 to {_limits.MaxSearchBatch} searches");
        }

        var tenant = Tenant(context);
        var response = new SearchBatchResponse();
        for (var i = 0; i < request.Searches.Count; i++)
        {
            var search = request.Searches[i];
            if (search.Collection.Length > 0 && search.Collection != request.Collection)
            {
                throw VecVaultException.Invalid($"searches[{i}].collection", "must be empty or equal the batch's collection");
            }

            response.Results.Add(RunSearch(tenant, request.Collection, search, $"searches[{i}].", context.CancellationToken));
        }

        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<CountResponse> Count(CountRequest request, ServerCallContext context)
    {
        var filter = FilterMapping.ToCore(request.Filter);
        return Task.FromResult(new CountResponse { Count = (ulong)engine.Count(Tenant(context), request.Collection, filter) });
    }

    /// <inheritdoc />
    public override Task<ScrollResponse> Scroll(ScrollRequest request, ServerCallContext context)
    {
        var filter = FilterMapping.ToCore(request.Filter);
        var limit = request.Limit == 0 ? 10 : (int)Math.Min(request.Limit, int.MaxValue);
        if (limit > _limits.MaxK)
        {
            throw VecVaultException.Invalid("limit", $"must be at most {_limits.MaxK}");
        }

        Core.Ids.PointId? offset = request.Offset is null ? null : PointIdMapping.ToCore(request.Offset, "offset");
        var (points, next) = engine.Scroll(Tenant(context), request.Collection, offset, limit, WithPayload(request.WithPayload), request.WithVectors, filter);
        var response = new ScrollResponse { NextOffset = next is null ? null : PointIdMapping.ToProto(next.Value) };
        response.Points.AddRange(points.Select(p => ToRetrieved(p, request.WithVectors)));
        return Task.FromResult(response);
    }

    private SearchResponse RunSearch(TenantId tenant, string collection, SearchRequest request, string prefix, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var filter = FilterMapping.ToCore(request.Filter, $"{prefix}filter");
        if (request.K == 0 || request.K > _limits.MaxK)
        {
            throw VecVaultException.Invalid($"{prefix}k", $"must be between 1 and {_limits.MaxK}");
        }

        if (request.Vector is null || request.Vector.Data.Count == 0)
        {
            throw VecVaultException.Invalid($"{prefix}vector", "must not be empty");
        }

        var ef = request.Params?.Ef ?? 0;
        if (ef > Core.Collections.HnswConfig.MaxEf)
        {
            throw VecVaultException.Invalid($"{prefix}params.ef", $"must be at most {Core.Collections.HnswConfig.MaxEf} (0 uses the collection's default)");
        }

        var query = new SearchQuery(request.Vector.Data.ToArray(), (int)request.K, WithPayload(request.WithPayload), request.WithVectors,
            request.HasScoreThreshold ? request.ScoreThreshold : null, ef == 0 ? null : (int)ef, request.Params?.Exact ?? false, filter);
        IReadOnlyList<CoreScoredPoint> results;
        try
        {
            results = engine.Search(tenant, collection, query, cancellationToken);
        }
        catch (VecVaultException e) when (e.Field == "vector")
        {
            throw VecVaultException.Invalid($"{prefix}vector", e.Message);
        }

        var response = new SearchResponse();
        foreach (var hit in results)
        {
            var scored = new Proto.ScoredPoint { Id = PointIdMapping.ToProto(hit.Id), Score = hit.Score };
            if (hit.Vector is not null)
            {
                scored.Vector = new Vector();
                scored.Vector.Data.AddRange(hit.Vector);
            }

            PayloadMapping.ToProto(hit.Payload, scored.Payload);
            response.Results.Add(scored);
        }

        response.TimeMicros = (ulong)Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        return response;
    }

    private List<CorePoint> ToPoints(IList<PointStruct> points, string field)
    {
        if (points.Count == 0)
        {
            throw VecVaultException.Invalid(field, "must hold at least one point");
        }

        CheckBatch(points.Count, field);
        var result = new List<CorePoint>(points.Count);
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i];
            var id = PointIdMapping.ToCore(point.Id, $"{field}[{i}].id");
            if (point.Vector is null || point.Vector.Data.Count == 0)
            {
                throw VecVaultException.Invalid($"{field}[{i}].vector", "must not be empty");
            }

            var payloadBytes = point.Payload.Sum(entry => Encoding.UTF8.GetByteCount(entry.Key) + entry.Value.CalculateSize());
            if (payloadBytes > _limits.MaxPayloadBytes)
            {
                throw new VecVaultException(ErrorCode.ResourceExhausted, $"is {payloadBytes} bytes; the limit is {_limits.MaxPayloadBytes}", $"{field}[{i}].payload");
            }

            var payload = PayloadMapping.ToCore(point.Payload, _limits.MaxPayloadDepth, $"{field}[{i}].payload");
            result.Add(new CorePoint(id, point.Vector.Data.ToArray(), payload));
        }

        return result;
    }

    private void CheckBatch(int count, string field)
    {
        if (count > _limits.MaxBatchPoints)
        {
            throw new VecVaultException(ErrorCode.ResourceExhausted, $"holds {count} items; the limit is {_limits.MaxBatchPoints}", field);
        }
    }

    private static RetrievedPoint ToRetrieved(CorePoint point, bool withVectors)
    {
        var retrieved = new RetrievedPoint { Id = PointIdMapping.ToProto(point.Id) };
        if (withVectors)
        {
            retrieved.Vector = new Vector();
            retrieved.Vector.Data.AddRange(point.Vector.ToArray());
        }

        PayloadMapping.ToProto(point.Payload, retrieved.Payload);
        return retrieved;
    }

    private static bool WithPayload(WithPayloadSelector? selector) =>
        selector?.SelectorCase == WithPayloadSelector.SelectorOneofCase.Enable ? selector.Enable
        : selector?.SelectorCase == WithPayloadSelector.SelectorOneofCase.Include;

    private static TenantId Tenant(ServerCallContext context) =>
        AuthInterceptor.GetCaller(context).Tenant ?? throw new VecVaultException(ErrorCode.PermissionDenied, "this call needs a tenant API key");
}
