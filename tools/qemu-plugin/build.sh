#!/bin/sh
# tools/qemu-plugin/build.sh OUT [CC] - builds the path-length plugin
# (hbpath.c) for the host as the shared object OUT, against the qemu-plugin.h
# that tools/qemu-plugin-header.sh caches.  Without that header it says so
# and builds nothing (the path-length tests then skip); it never fails the
# build for it.
set -e
out=$1 cc=${2:-cc}
here=$(cd "$(dirname "$0")" && pwd)
inc=${HB_QEMU_PLUGIN_INCLUDE:-$here/../../.cache/qemu-plugin/current/qemu}
if [ ! -f "$inc/qemu-plugin.h" ]; then
  echo "hbpath: $inc/qemu-plugin.h missing (run tools/qemu-plugin-header.sh); plugin not built" >&2
  rm -f "$out"
  exit 0
fi
"$cc" -std=c11 -Wall -Wextra -Werror -Wpedantic -O2 -fPIC -shared -I"$inc" -o "$out.tmp" "$here/hbpath.c"
mv "$out.tmp" "$out"
