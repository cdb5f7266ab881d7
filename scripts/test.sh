#!/usr/bin/env bash
# Fresh Debian 12 machine to a passing test suite: installs what is missing,
# builds everything, and runs every test with ctest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cmake --build "$TESSERA_BUILD" -j"$(nproc)"
ctest --test-dir "$TESSERA_BUILD" --output-on-failure -j"$(nproc)" "$@"
