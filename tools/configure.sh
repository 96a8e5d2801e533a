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
#         builds it for the bench; tools/bootstrap.sh bench runs that).
#
# The plug-in (docs/plugging-in.md) comes from the environment; the Makefile
# exports these from its variables of the same names:
#   PLUGIN         .c files and folders, separated by spaces or commas
#   PLUGIN_CFLAGS  compiler flags for the plug-in's sources only
#   PLUGIN_STRICT  1: compile the plug-in as the project's own code
#   PLUGIN_BASE    where relative paths start (default: the current folder)
# Every call states all of them, so a build tree never keeps an earlier
# plug-in in its CMake cache.  A call whose arguments are those of DIR's last
# successful configure does nothing (the build re-runs CMake by itself when
# a CMake file changes).
#
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

case "${PLUGIN_STRICT:-}" in
'' | 0 | OFF | off | no) strict=OFF ;;
1 | ON | on | yes) strict=ON ;;
*)
  echo "configure: PLUGIN_STRICT='$PLUGIN_STRICT': use 1 (strict) or 0" >&2
  exit 2
  ;;
esac
plugin=${PLUGIN:-}
read -r -a paths <<<"${plugin//,/ }"
plugin=$(IFS=';' && echo "${paths[*]}")
args=(-S "$repo" -B "$dir" -DHB_PLUGIN="$plugin" -DHB_PLUGIN_CFLAGS="${PLUGIN_CFLAGS:-}"
  -DHB_PLUGIN_STRICT="$strict" -DHB_PLUGIN_BASE="${PLUGIN_BASE:-$PWD}")

if [ "$target" = host ]; then
  args+=(-DHB_TARGET_NAME=host -DHB_SANITIZE=ON "$@")
else
  if [ ! -f "$repo/arch/$target.cmake" ]; then
    echo "configure: unknown target '$target': no arch/$target.cmake" >&2
    exit 2
  fi
  args+=(-DCMAKE_TOOLCHAIN_FILE="$repo/arch/$target.cmake" -DCMAKE_PREFIX_PATH="$repo/.cache/gbench/$target"
    -DHB_SANITIZE=OFF "$@")
fi

# What a configure depends on: its arguments and, for a cross target, the
# cross-built Google Benchmark's stamp (`make test` does not build it, `make
# bench` does: a tree configured without it must look again once it is
# there, and find_package retries a NOTFOUND result by itself).
key=("${args[@]}")
[ "$target" = host ] || key+=("gbench: $(cat "$repo/.cache/gbench/$target/.stamp" 2>/dev/null || echo none)")
stamp=$dir/.hb-configure-args
if [ -f "$dir/CMakeCache.txt" ] && [ -f "$stamp" ] && [ "$(printf '%s\n' "${key[@]}")" = "$(cat "$stamp")" ]; then
  exit 0
fi
rm -f "$stamp"
cmake "${args[@]}"
printf '%s\n' "${key[@]}" >"$stamp"
