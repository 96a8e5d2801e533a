#!/usr/bin/env bash
# tools/configure.sh - configure a CMake build tree for one heapbench target.
#
#   tools/configure.sh TARGET DIR [extra cmake arguments...]
#
# host:   the native build, with ASan+UBSan (HB_SANITIZE=ON) unless the extra
#         arguments say otherwise (the benchmarks pass -DHB_SANITIZE=OFF).
# other:  arch/TARGET.cmake as the toolchain file (static, run under QEMU user
#         mode), no sanitizers, and the cross-built Google Benchmark of
#         .cache/gbench/TARGET on CMAKE_PREFIX_PATH (tools/gbench-cross.sh
#         builds it; tools/bootstrap.sh runs that).
# The Makefile and tools/bench.sh both configure through this script, so a
# target's options live in one place.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || {
  echo "usage: tools/configure.sh TARGET DIR [cmake args...]" >&2
  exit 2
}
target=$1 dir=$2
shift 2

if [ "$target" = host ]; then
  exec cmake -S "$repo" -B "$dir" -DHB_TARGET_NAME=host -DHB_SANITIZE=ON "$@"
fi
if [ ! -f "$repo/arch/$target.cmake" ]; then
  echo "configure: unknown target '$target': no arch/$target.cmake" >&2
  exit 2
fi
exec cmake -S "$repo" -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$repo/arch/$target.cmake" \
  -DCMAKE_PREFIX_PATH="$repo/.cache/gbench/$target" -DHB_SANITIZE=OFF "$@"
