#!/bin/sh
# Container entrypoint: bootstraps the development SoftHSM2 token on first start (unless a real HSM module is
# configured), then runs the server in the foreground so signals stop it cleanly.
set -eu
if [ "${VecVault__Hsm__ModulePath:-/usr/lib/softhsm/libsofthsm2.so}" = "/usr/lib/softhsm/libsofthsm2.so" ]; then
  /app/bootstrap-hsm.sh
fi
exec dotnet /app/server/vecvault-server.dll "$@"
