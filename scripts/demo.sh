#!/usr/bin/env bash
# Fresh Debian 12 machine to a running demo: installs what is missing,
# builds, and runs the quickstart sample (which embeds the framework).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cmake --build "$TESSERA_BUILD" -j"$(nproc)" --target quickstart tessera_cli
demo_dir="$(mktemp -d)"
trap 'rm -rf "$demo_dir"' EXIT
"$TESSERA_BUILD/samples/quickstart/quickstart" "$demo_dir/db"
echo
echo "== tessera plugins =="
"$TESSERA_BUILD/bin/tessera" plugins
echo
echo "== tessera tables $demo_dir/db =="
"$TESSERA_BUILD/bin/tessera" tables "$demo_dir/db"
