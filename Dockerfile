# syntax=docker/dockerfile:1
# VecVault server image: built with the .NET 10 SDK, run on the ASP.NET Core 10 runtime with SoftHSM2.
# Needs locked memory at run time: docker run --cap-add IPC_LOCK --ulimit memlock=-1 ...

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols*.txt .editorconfig ./
COPY proto/ proto/
COPY src/ src/
RUN dotnet publish src/VecVault.Server -c Release -o /out/server \
 && dotnet publish src/VecVault.Cli -c Release -o /out/cli

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends softhsm2 opensc p11-kit p11-kit-modules \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /var/lib/vecvault vecvault \
 && mkdir -p /var/lib/vecvault/data /var/lib/vecvault/tokens \
 && chown -R vecvault /var/lib/vecvault
COPY --from=build /out/server /app/server
COPY --from=build /out/cli /app/cli
COPY docker/entrypoint.sh docker/bootstrap-hsm.sh /app/
ENV VecVault__Listen__Address=0.0.0.0 \
    VecVault__Metrics__Address=0.0.0.0 \
    VecVault__DataDirectory=/var/lib/vecvault/data \
    VecVault__Hsm__PinFile=/var/lib/vecvault/tokens/user.pin \
    SOFTHSM2_CONF=/var/lib/vecvault/tokens/softhsm2.conf
USER vecvault
VOLUME ["/var/lib/vecvault/data", "/var/lib/vecvault/tokens"]
EXPOSE 50051 9464
ENTRYPOINT ["/app/entrypoint.sh"]
