#!/usr/bin/env bash
# Runs the peer harness (SQLite, LevelDB, RocksDB, LMDB, pickle) and Tessera's
# bench_w1 on the same data and the same file system, one after the other,
# then prints Tessera / best peer per phase.
#
#   bench/compare.sh [--rows N] [--seed S] [--dir PATH] [--format F] [--compressor C] [--out DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peers="${TESSERA_PEERS:-$root/../shared/bench/peers}"
build="${TESSERA_BUILD:-$root/build}"
rows=1000000 seed=42 dir="" format=csv compressor=none out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --format) format="$2"; shift 2 ;;
    --compressor) compressor="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "compare.sh: unknown flag $1" >&2; exit 2 ;;
  esac
done
[ -d "$peers" ] || { echo "compare.sh: peer harness not found at $peers (set TESSERA_PEERS)" >&2; exit 2; }

# The peers' libraries, only when missing.
need=()
for p in libsqlite3-dev libleveldb-dev librocksdb-dev liblmdb-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

"$root/scripts/setup.sh"
cmake --build "$build" -j"$(nproc)" --target bench_w1 tessera_format_"$format" >/dev/null
[ "$compressor" = none ] || cmake --build "$build" --target tessera_compressor_"$compressor" >/dev/null
# Built in our build tree: the harness's own folder may be read-only.
cmake -S "$peers" -B "$build/peers" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build/peers" -j"$(nproc)" >/dev/null
peers_bin="$build/peers/bench_peers"

[ -n "$dir" ] || dir="$(mktemp -d /tmp/tessera-compare.XXXXXX)"
[ -n "$out" ] || out="$dir"
mkdir -p "$dir" "$out"
echo "== peers (rows=$rows seed=$seed dir=$dir)" >&2
"$peers_bin" --rows "$rows" --seed "$seed" --dir "$dir" --json "$out/peers.jsonl" >"$out/peers.txt"
echo "== tessera ($format+$compressor)" >&2
"$build/bin/bench_w1" --rows "$rows" --seed "$seed" --dir "$dir" --format "$format" --compressor "$compressor" \
  --json "$out/tessera.jsonl"
/usr/bin/python3 "$root/bench/ratios.py" "$out/peers.jsonl" "$out/tessera.jsonl"
