#!/bin/sh
# Creates a SoftHSM2 token and a demo AES-256 KEK in the token volume the first time (development only:
# in production the KEK lives in the customer's HSM and VecVault:Hsm:ModulePath names its PKCS#11 module).
set -eu
tokens=/var/lib/vecvault/tokens
token_label="${VECVAULT_DEV_TOKEN:-vecvault-dev}"
kek_label="${VECVAULT_DEV_KEK:-demo-kek}"
umask 077
mkdir -p "$tokens/store"
[ -f "$SOFTHSM2_CONF" ] || printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$tokens/store" > "$SOFTHSM2_CONF"
[ -f "$tokens/user.pin" ] || od -An -N8 -tx1 /dev/urandom | tr -d ' \n' > "$tokens/user.pin"
[ -f "$tokens/so.pin" ] || od -An -N8 -tx1 /dev/urandom | tr -d ' \n' > "$tokens/so.pin"
pin="$(cat "$tokens/user.pin")"
if ! softhsm2-util --show-slots 2>/dev/null | grep -q "Label: *$token_label *\$"; then
  softhsm2-util --init-token --free --label "$token_label" --pin "$pin" --so-pin "$(cat "$tokens/so.pin")" >/dev/null
  pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label "$token_label" --login --pin "$pin" \
    --keygen --key-type AES:32 --label "$kek_label" --id 01 --sensitive --usage-decrypt --usage-wrap >/dev/null 2>&1
  echo "bootstrap-hsm: created token '$token_label' with KEK '$kek_label'"
fi
