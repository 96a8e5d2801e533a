#!/usr/bin/env bash
# tools/qemu-plugin-header.sh - puts QEMU's plugin API header, qemu-plugin.h,
# into <repo>/.cache/qemu-plugin/<version>/qemu/qemu-plugin.h, where the
# path-length plugin (tools/qemu-plugin/) finds it.
#
# The header is in no binary Debian package, so it comes from Debian's qemu
# source package, pinned to the installed qemu-user's version (the plugin
# API must match the QEMU that loads the plugin).  Only the .orig tarball is
# downloaded (about 24 MB, with the private apt configuration of
# tools/srcpkg.sh, never the system's) and only that one file is extracted.
# A no-op when the cached header matches the installed version.  Offline,
# it fails with a message; the path-length tests then skip and say why.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
ver=$(dpkg-query -W -f='${source:Version}' qemu-user 2>/dev/null) || {
  echo "qemu-plugin-header: qemu-user is not installed" >&2
  exit 1
}
dir=$repo/.cache/qemu-plugin
hdr=$dir/$ver/qemu/qemu-plugin.h
if [ -s "$hdr" ]; then
  ln -sfn "$ver" "$dir/current"
  exit 0
fi
HB_REPO=$repo
# shellcheck source=tools/srcpkg.sh
. "$repo/tools/srcpkg.sh"
_hb_apt_setup
if [ ! -e "$HB_APT_DIR/lists/.updated" ] ||
  ! _hb_apt_cache showsrc qemu 2>/dev/null | grep -qx "Version: $ver"; then
  _hb_apt_update
fi
dl=$dir/download
rm -rf "$dl"
mkdir -p "$dl"
echo "qemu-plugin-header: fetching Debian's qemu $ver source (about 24 MB) for include/qemu/qemu-plugin.h" >&2
(cd "$dl" && _hb_apt source --download-only "qemu=$ver" >"$dl/source.log" 2>&1) || {
  cat "$dl/source.log" >&2
  echo "qemu-plugin-header: apt-get source qemu=$ver failed (offline?)" >&2
  exit 1
}
orig=$(ls -1 "$dl"/qemu_*.orig.tar.* 2>/dev/null | head -n1)
[ -n "$orig" ] || {
  echo "qemu-plugin-header: no qemu_*.orig.tar.* in $dl" >&2
  exit 1
}
member=$(tar -tf "$orig" --wildcards '*/include/qemu/qemu-plugin.h' | head -n1)
mkdir -p "$dir/$ver/qemu"
tar -xf "$orig" --no-same-owner -O "$member" >"$hdr.tmp"
grep -q QEMU_PLUGIN_VERSION "$hdr.tmp" || {
  echo "qemu-plugin-header: $member from $orig is not the plugin API header" >&2
  exit 1
}
mv "$hdr.tmp" "$hdr"
ln -sfn "$ver" "$dir/current"
rm -rf "$dl"
echo "qemu-plugin-header: $hdr"
