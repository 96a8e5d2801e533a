#!/usr/bin/env bash
# tools/bootstrap.sh - install what heapbench needs, idempotently.
#
#   tools/bootstrap.sh [test|bench|fuzz]
#   ARCHES="host x86 mips32" tools/bootstrap.sh test   # the targets to set up (make passes its list)
#
# For every target named in ARCHES: the Debian packages it needs (checked
# with one dpkg-query call; installed only when missing, and only then after
# `apt-get update`), and for the bench, for each cross target a static
# Google Benchmark built from Debian's source package into
# .cache/gbench/<target> (see tools/gbench-cross.sh; skipped at once when
# its stamp matches).  When all
# is present this takes well under a second.  A non-root user who lacks
# packages is told the exact command to run instead.
#
# A cross target is any arch/<target>.cmake: its HB_CROSS_TRIPLE names the
# cross compiler packages (gcc-<triple>, g++-<triple>) and its
# HB_CROSS_EMULATOR is one of qemu-user's programs.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-test}
ARCHES=${ARCHES:?"set ARCHES (the Makefile passes its default target list)"}

case $what in
test | bench | fuzz) ;;
*)
  echo "usage: tools/bootstrap.sh [test|bench|fuzz]" >&2
  exit 2
  ;;
esac

# Packages every build needs (the host build links Debian's Google Benchmark;
# xz-utils unpacks the shipped traces and source packages; python3 validates
# the bench tests' result files).
packages=(cmake make gcc g++ libc6-dev libbenchmark-dev xz-utils python3)
# Packages `make bench` needs on top (tools/bench.sh plots with gnuplot;
# tools/gbcompare.py runs libbenchmark-tools' compare.py, which needs scipy).
bench_packages=(gnuplot-nox libbenchmark-tools python3-scipy)
# Packages `make fuzz` needs on top (clang and its libFuzzer runtime; only
# there: make test and make bench build with gcc).
fuzz_packages=(clang libclang-rt-dev)
# Packages every cross target needs: QEMU user mode to run it, and dpkg-dev
# plus the archive keyring to fetch and unpack Debian source packages.
cross_packages=(qemu-user dpkg-dev debian-archive-keyring)

cross=()
for t in $ARCHES; do
  [ "$t" = host ] && continue
  tc=$repo/arch/$t.cmake
  if [ ! -f "$tc" ]; then
    known=host
    for f in "$repo"/arch/*.cmake; do
      f=${f##*/}
      [ "$f" = cross.cmake ] || known="$known ${f%.cmake}"
    done
    echo "bootstrap: unknown target '$t' (no arch/$t.cmake; targets: $known)" >&2
    exit 2
  fi
  triple=$(sed -n 's/^set(HB_CROSS_TRIPLE \(.*\))$/\1/p' "$tc")
  [ -n "$triple" ] || {
    echo "bootstrap: arch/$t.cmake sets no HB_CROSS_TRIPLE" >&2
    exit 2
  }
  cross+=("$t")
  packages+=("gcc-$triple" "g++-$triple")
done
[ "${#cross[@]}" -eq 0 ] || packages+=("${cross_packages[@]}")
[ "$what" = bench ] && packages+=("${bench_packages[@]}")
[ "$what" = fuzz ] && packages+=("${fuzz_packages[@]}")

# One dpkg-query for all: prints "name status" for the known ones.
missing=()
installed=" $(dpkg-query -W -f='${Package}:${db:Status-Status} ' "${packages[@]}" 2>/dev/null || true) "
for p in "${packages[@]}"; do
  case $installed in
  *" $p:installed "*) ;;
  *) missing+=("$p") ;;
  esac
done

if [ "${#missing[@]}" -gt 0 ]; then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "heapbench ($what: $ARCHES) needs these Debian packages: ${missing[*]}" >&2
    echo "Run as root, then run make again:" >&2
    echo "  sudo sh -c '$cmd'" >&2
    exit 1
  fi
  echo "bootstrap ($what): installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Google Benchmark for the cross targets (a no-op when the cache is current):
# only the bench times through it.  The tests' cross builds take the
# stand-in timer loop (the shim itself is tested on the host), which spares
# `make test` about 20 s per cross target on a fresh machine.
[ "$what" != bench ] || [ "${#cross[@]}" -eq 0 ] || "$repo/tools/gbench-cross.sh" "${cross[@]}"

# qemu-plugin.h for the path-length plugin (cross targets; a no-op when cached).
# Offline, the path-length tests and bench columns skip and say why.
[ "${#cross[@]}" -eq 0 ] || "$repo/tools/qemu-plugin-header.sh" ||
  echo "bootstrap: no qemu-plugin.h; path length will be skipped" >&2
