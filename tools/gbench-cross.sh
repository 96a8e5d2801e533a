#!/usr/bin/env bash
# tools/gbench-cross.sh - Google Benchmark, static, for one cross target.
#
#   tools/gbench-cross.sh TARGET...      # TARGET: x86, mips32, mips32be (arch/TARGET.cmake)
#
# Debian's libbenchmark-dev is host-only, and its multiarch packages ship no
# static library, so the cross targets get Google Benchmark built from
# Debian's bookworm source package (fetched by tools/srcpkg.sh through a
# private apt configuration) with the target's own toolchain file.  The
# result is installed into <repo>/.cache/gbench/TARGET (git-ignored, outside
# build/ so `make clean` keeps it); the Makefile hands that folder to CMake
# as CMAKE_PREFIX_PATH, so find_package(benchmark) works in the cross builds.
#
# A stamp file in that folder records the source package version, the
# toolchain files' checksums, the compiler version and the build options;
# when any of them changes the library is rebuilt, otherwise this script
# returns at once.  About 10 s per target on 2 cores.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# Pinned: bookworm's source package (upstream 1.7.1: --benchmark_min_time
# takes plain seconds).  Changing it rebuilds every target's cache.
GBENCH_DEB_VERSION=${GBENCH_DEB_VERSION:-1.7.1-1}
GBENCH_UPSTREAM=${GBENCH_DEB_VERSION%-*}
cache=$repo/.cache/gbench
jobs=$(nproc 2>/dev/null || echo 2)

. "$repo/tools/srcpkg.sh"

options=(
  -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_INSTALL_LIBDIR=lib
  -DBUILD_SHARED_LIBS=OFF
  -DBENCHMARK_ENABLE_TESTING=OFF
  -DBENCHMARK_ENABLE_GTEST_TESTS=OFF
  -DBENCHMARK_ENABLE_WERROR=OFF
  -DBENCHMARK_ENABLE_LTO=OFF
  -DBENCHMARK_ENABLE_INSTALL=ON
  -DGIT_VERSION="$GBENCH_UPSTREAM"
)

stamp_text() { # TARGET
  local t=$1 triple
  triple=$(sed -n 's/^set(HB_CROSS_TRIPLE \(.*\))$/\1/p' "$repo/arch/$t.cmake")
  echo "benchmark $GBENCH_DEB_VERSION"
  echo "toolchain $(cat "$repo/arch/$t.cmake" "$repo/arch/cross.cmake" | sha256sum | cut -d' ' -f1)"
  echo "compiler $triple-g++ $("$triple-g++" -dumpfullversion 2>/dev/null || echo missing)"
  echo "options ${options[*]}"
}

# Unpacked, patched source tree for the pinned version (shared by all targets).
source_tree() {
  local src=$cache/src tree=$cache/src/benchmark-$GBENCH_UPSTREAM
  if [ "$(cat "$tree/.heapbench-version" 2>/dev/null)" != "$GBENCH_DEB_VERSION" ]; then
    rm -rf "$src"
    tree=$(fetch_source_package "benchmark=$GBENCH_DEB_VERSION" "$src")
    echo "$GBENCH_DEB_VERSION" >"$tree/.heapbench-version"
  fi
  echo "$tree"
}

build_target() { # TARGET
  local t=$1 prefix=$cache/$1 build=$cache/build-$1 tree want start
  if [ ! -f "$repo/arch/$t.cmake" ]; then
    echo "gbench-cross: no toolchain file arch/$t.cmake" >&2
    return 2
  fi
  want=$(stamp_text "$t")
  if [ -f "$prefix/lib/libbenchmark.a" ] && [ "$(cat "$prefix/.stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  start=$(date +%s)
  echo "gbench-cross: building Google Benchmark $GBENCH_DEB_VERSION for $t into ${prefix#"$repo"/}"
  tree=$(source_tree)
  rm -rf "$build" "$prefix"
  cmake -S "$tree" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$repo/arch/$t.cmake" \
    -DCMAKE_INSTALL_PREFIX="$prefix" "${options[@]}" >"$cache/build-$t.log" 2>&1 &&
    cmake --build "$build" -j "$jobs" >>"$cache/build-$t.log" 2>&1 &&
    cmake --install "$build" >>"$cache/build-$t.log" 2>&1 || {
    echo "gbench-cross: build for $t failed; last lines of $cache/build-$t.log:" >&2
    tail -n 30 "$cache/build-$t.log" >&2
    return 1
  }
  rm -rf "$build"
  echo "$want" >"$prefix/.stamp"
  echo "gbench-cross: $t done in $(($(date +%s) - start)) s"
}

[ $# -gt 0 ] || {
  echo "usage: tools/gbench-cross.sh TARGET..." >&2
  exit 2
}
mkdir -p "$cache"
# One builder at a time (make test and tools/bench.sh may both get here).
exec 9>"$cache/.lock"
flock 9
for t in "$@"; do
  build_target "$t"
done
