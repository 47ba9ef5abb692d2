using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using VecVault.Core.Errors;
using VecVault.Core.Ids;
using VecVault.Core.Tenants;
using VecVault.Crypto.Audit;
using VecVault.Crypto.Keys;
using VecVault.Crypto.Pkcs11;
using VecVault.Engine;
using VecVault.Memory.Locked;
using VecVault.Protocol.V1;
using VecVault.Server.Auth;
using VecVault.Server.Hosting;
using VecVault.Server.Mapping;
using VecVault.Server.Options;

namespace VecVault.Server.Services;

/// <summary>AdminService: tenants, API keys and server statistics. Needs an admin key (checked by <see cref="AuthInterceptor"/>).</summary>
public sealed class AdminServiceImpl(
    VaultEngine engine,
    ApiKeyStore apiKeys,
    Pkcs11KekService hsm,
    KeyModelRouter keyModels,
    AuditLog audit,
    ServerStatus status,
    IOptions<VecVaultOptions> options,
    TimeProvider time) : AdminService.AdminServiceBase
{
    /// <inheritdoc />
    public override async Task<CreateTenantResponse> CreateTenant(CreateTenantRequest request, ServerCallContext context)
    {
        var spec = new TenantSpec(
            TenantId.Parse(request.Id, "id"),
            TenantMapping.ToCore(request.Kek),
            TenantMapping.ToCore(request.OutagePolicy),
            request.OutageGrace?.ToTimeSpan() ?? TenantMapping.DefaultOutageGrace);
        if (spec.OutageGrace < TimeSpan.Zero)
        {
            throw VecVaultException.Invalid("outage_grace", "must not be negative");
        }

        var tenant = await engine.CreateTenantAsync(spec, context.CancellationToken);
        return new CreateTenantResponse { Tenant = TenantMapping.ToProto(tenant) };
    }

    /// <inheritdoc />
    public override Task<GetTenantResponse> GetTenant(GetTenantRequest request, ServerCallContext context) =>
        Task.FromResult(new GetTenantResponse { Tenant = TenantMapping.ToProto(engine.GetTenant(TenantId.Parse(request.Id, "id"))) });

    /// <inheritdoc />
    public override Task<ListTenantsResponse> ListTenants(ListTenantsRequest request, ServerCallContext context)
    {
        var response = new ListTenantsResponse();
        response.Tenants.AddRange(engine.ListTenants().Select(TenantMapping.ToProto));
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public override Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        (string KeyId, string ApiKey) created;
        switch (request.Role)
        {
            case Protocol.V1.ApiKeyRole.Admin when request.TenantId.Length == 0:
                created = apiKeys.Create(Auth.ApiKeyRole.Admin, null, request.Description);
                break;
            case Protocol.V1.ApiKeyRole.Admin:
                throw VecVaultException.Invalid("tenant_id", "must be empty for an admin key");
            case Protocol.V1.ApiKeyRole.Tenant:
                var tenant = TenantId.Parse(request.TenantId, "tenant_id");
                if (!engine.TenantExists(tenant))
                {
                    throw VecVaultException.NotFound($"tenant '{tenant}' not found");
                }

                created = apiKeys.Create(Auth.ApiKeyRole.Tenant, tenant, request.Description);
                break;
            default:
                throw VecVaultException.Invalid("role", "must be API_KEY_ROLE_ADMIN or API_KEY_ROLE_TENANT");
        }

        return Task.FromResult(new CreateApiKeyResponse { KeyId = created.KeyId, ApiKey = created.ApiKey });
    }

    /// <inheritdoc />
    public override Task<RevokeApiKeyResponse> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        if (request.KeyId.Length == 0)
        {
            throw VecVaultException.Invalid("key_id", "must be set");
        }

        apiKeys.Revoke(request.KeyId);
        return Task.FromResult(new RevokeApiKeyResponse());
    }

    /// <inheritdoc />
    public override async Task<RotateTenantKeyResponse> RotateTenantKey(RotateTenantKeyRequest request, ServerCallContext context)
    {
        var tenant = TenantId.Parse(request.TenantId, "tenant_id");
        var (version, rewrapped) = await engine.RotateTenantKeyAsync(tenant, TenantMapping.ToCore(request.NewKek, "new_kek"), context.CancellationToken);
        return new RotateTenantKeyResponse { KekVersion = version, RewrappedDeks = (ulong)rewrapped };
    }

    /// <inheritdoc />
    public override async Task<RotateDataKeysResponse> RotateDataKeys(RotateDataKeysRequest request, ServerCallContext context)
    {
        var tenant = TenantId.Parse(request.TenantId, "tenant_id");
        var rotated = await engine.RotateDataKeysAsync(tenant, request.Collection.Length == 0 ? null : request.Collection, context.CancellationToken);
        return new RotateDataKeysResponse { RotatedSegments = (ulong)rotated };
    }

    /// <inheritdoc />
    public override async Task<SealCollectionResponse> SealCollection(SealCollectionRequest request, ServerCallContext context)
    {
        var tenant = TenantId.Parse(request.TenantId, "tenant_id");
        return new SealCollectionResponse { SegmentId = await engine.SealAsync(tenant, request.Collection, context.CancellationToken) };
    }

    /// <inheritdoc />
    public override async Task<CompactTenantResponse> CompactTenant(CompactTenantRequest request, ServerCallContext context)
    {
        var tenant = TenantId.Parse(request.TenantId, "tenant_id");
        var compacted = await engine.CompactAsync(tenant, context.CancellationToken);
        return new CompactTenantResponse { Rewritten = compacted >= 0, CompactedSegments = (uint)Math.Max(0, compacted) };
    }

    /// <inheritdoc />
    public override async Task<ShredTenantResponse> ShredTenant(ShredTenantRequest request, ServerCallContext context)
    {
        var tenant = TenantId.Parse(request.TenantId, "tenant_id");
        if (request.ConfirmTenantId != request.TenantId)
        {
            throw VecVaultException.Invalid("confirm_tenant_id", "must equal tenant_id");
        }

        var (bytes, destroyed) = await engine.ShredTenantAsync(tenant, request.DestroyKek, context.CancellationToken);
        apiKeys.RevokeTenant(tenant);
        return new ShredTenantResponse { DeletedBytes = (ulong)bytes, KekDestroyed = destroyed > 0, KekObjectsDestroyed = (uint)destroyed };
    }

    /// <inheritdoc />
    public override async Task StreamAuditLog(StreamAuditLogRequest request, IServerStreamWriter<Protocol.V1.AuditRecord> responseStream, ServerCallContext context)
    {
        await foreach (var record in audit.ReadAsync(request.FromSequence, request.Follow, context.CancellationToken))
        {
            if (request.TenantId.Length > 0 && record.Tenant != request.TenantId)
            {
                continue;
            }

            var message = new Protocol.V1.AuditRecord
            {
                Sequence = record.Sequence,
                Time = Timestamp.FromDateTimeOffset(record.Time),
                Event = record.Event,
                TenantId = record.Tenant,
                PreviousHash = record.PreviousHash,
                Hash = record.Hash,
            };
            message.Details.Add(record.Details);
            await responseStream.WriteAsync(message, context.CancellationToken);
        }
    }

    /// <inheritdoc />
    public override Task<VerifyAuditLogResponse> VerifyAuditLog(VerifyAuditLogRequest request, ServerCallContext context)
    {
        var result = audit.Verify();
        return Task.FromResult(new VerifyAuditLogResponse
        {
            Valid = result.Valid,
            Records = result.Records,
            FirstBadSequence = result.FirstBadSequence,
            Reason = result.Reason,
        });
    }

    /// <inheritdoc />
    public override Task<GetServerStatsResponse> GetServerStats(GetServerStatsRequest request, ServerCallContext context)
    {
        var stats = new ServerStats
        {
            Version = typeof(AdminServiceImpl).Assembly.GetName().Version?.ToString() ?? "",
            Uptime = Duration.FromTimeSpan(time.GetUtcNow() - status.StartedAt),
            LockedMemoryAvailable = status.LockedMemoryAvailable,
            LockedBytes = (ulong)LockedMemory.LockedBytes,
            Durability = options.Value.Durability.ToString().ToLowerInvariant(),
            HsmWraps = (ulong)hsm.Wraps,
            HsmUnwraps = (ulong)hsm.Unwraps,
            Simd = status.Simd,
            InsecureKeyModelNoneEnabled = keyModels.NoneEnabled,
            CachedDeks = (uint)engine.CachedDeks,
        };
        var segments = engine.SegmentStats;
        stats.LoadedSegments = (uint)segments.LoadedSegments;
        stats.LockedBudgetBytes = (ulong)segments.BudgetBytes;
        stats.SegmentLoads = (ulong)segments.Loads;
        stats.SegmentEvictions = (ulong)segments.Evictions;
        stats.LoadUnwrapTime = Duration.FromTimeSpan(segments.UnwrapTime);
        stats.LoadReadTime = Duration.FromTimeSpan(segments.ReadTime);
        stats.LoadDecryptTime = Duration.FromTimeSpan(segments.DecryptTime);
        stats.LoadAttachTime = Duration.FromTimeSpan(segments.AttachTime);
        stats.LoadPageBytes = (ulong)segments.PageBytes;
        foreach (var (tenant, collection, segment, reason) in engine.Quarantined)
        {
            stats.Quarantined.Add(new QuarantinedSegment { TenantId = tenant.Value, Collection = collection, SegmentId = segment, Reason = reason });
        }

        foreach (var tenant in engine.ListTenants())
        {
            stats.Tenants.Add(new TenantStats
            {
                TenantId = tenant.Id.Value,
                State = TenantMapping.ToProto(tenant).State,
                Collections = (uint)tenant.CollectionCount,
                Points = (ulong)tenant.PointCount,
            });
        }

        return Task.FromResult(new GetServerStatsResponse { Stats = stats });
    }
}
