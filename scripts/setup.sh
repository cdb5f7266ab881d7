#!/usr/bin/env bash
# Installs the Debian 12 packages Tessera needs (only those missing) and
# configures the build tree. Sourced by demo.sh and test.sh.
set -euo pipefail

TESSERA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESSERA_BUILD="${TESSERA_BUILD:-$TESSERA_ROOT/build}"

packages=(
  g++ cmake ninja-build pkg-config
  libboost-dev libboost-filesystem-dev
  nlohmann-json3-dev libfmt-dev libxxhash-dev libcli11-dev catch2
  liblz4-dev libzstd-dev libmsgpack-cxx-dev
  # The stock tools and Python modules the interoperability tests read our files with.
  lz4 zstd jq python3 python3-msgpack python3-lz4 python3-zstandard python3-pandas
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

cmake_args=(-S "$TESSERA_ROOT" -B "$TESSERA_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
[ "${CI:-}" = "true" ] && cmake_args+=(-DTESSERA_WERROR=ON)
cmake "${cmake_args[@]}" "$@" >/dev/null
