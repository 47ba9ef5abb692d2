#!/usr/bin/env bash
# Builds the native hnswlib peer (bench/peers/.cache/hnswlib-native).
#
# hnswlib is header-only; its headers are taken from the npm package hnswlib-node@3.0.0,
# whose tarball bundles them under package/src/hnswlib/. Idempotent: the tarball is fetched
# and unpacked only once, and the binary is recompiled only when it is missing or older than
# this script or hnswlib_native.cpp. The last line of stdout is the binary's path.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="$HERE/.cache"
PKG="hnswlib-node@3.0.0"
TGZ="$CACHE/hnswlib-node-3.0.0.tgz"
SRC="$CACHE/hnswlib-node-3.0.0"
BIN="$CACHE/hnswlib-native"
CXX="${CXX:-g++}"
FLAGS="-O3 -march=native -std=c++17 -pthread"

mkdir -p "$CACHE"
if [ ! -f "$TGZ" ]; then
    echo "fetching $PKG from the npm registry"
    (cd "$CACHE" && npm pack "$PKG" --silent >/dev/null)
fi
if [ ! -d "$SRC" ]; then
    mkdir -p "$SRC.tmp"
    tar -xzf "$TGZ" -C "$SRC.tmp"
    mv "$SRC.tmp" "$SRC"
fi

HEADER="$(find "$SRC" -name hnswlib.h -print -quit)"
if [ -z "$HEADER" ]; then
    echo "hnswlib.h not found inside $TGZ" >&2
    exit 1
fi
INC="$(dirname "$HEADER")"
echo "hnswlib headers: $INC"

# The headers carry no version macro; hnswlib-node's CHANGELOG records which hnswlib it bundles
# (newest "Update bundled hnswlib to vX.Y.Z" entry).
HNSW_VERSION="$(grep -o -m1 'bundled hnswlib to v[0-9.]*[0-9]' "$SRC/package/CHANGELOG.md" | sed 's/.* v/v/' || true)"
HNSW_VERSION="${HNSW_VERSION:-unknown}"
CXX_VERSION="$("$CXX" -dumpfullversion 2>/dev/null || "$CXX" -dumpversion)"
BUILD="hnswlib $HNSW_VERSION headers (npm $PKG), $(basename "$CXX") $CXX_VERSION $FLAGS"
echo "build: $BUILD"

if [ ! -x "$BIN" ] || [ "$HERE/hnswlib_native.cpp" -nt "$BIN" ] || [ "${BASH_SOURCE[0]}" -nt "$BIN" ]; then
    echo "compiling $BIN"
    # shellcheck disable=SC2086  # FLAGS is a deliberate word list
    "$CXX" $FLAGS -I"$INC" -DPEER_BUILD="\"$BUILD\"" "$HERE/hnswlib_native.cpp" -o "$BIN.tmp"
    mv "$BIN.tmp" "$BIN"
fi
echo "$BIN"
