#!/usr/bin/env bash
# tools/srcpkg.sh - fetch a Debian source package without touching the
# system's apt configuration.
#
# As a library (what bootstrap.sh and gbench-cross.sh do):
#   . tools/srcpkg.sh
#   fetch_source_package NAME[=VERSION] DEST     # unpacked tree: DEST/NAME-UPSTREAMVERSION
# On its own:
#   tools/srcpkg.sh NAME[=VERSION] DEST
#
# A private apt configuration lives in <repo>/.cache/apt (git-ignored): its
# own deb-src list for bookworm, bookworm-updates and bookworm-security (the
# same mirrors as the system's deb lines), its own package lists and cache.
# The system's sources, lists and architectures are never changed, so this
# needs no root and no `dpkg --add-architecture`.  It needs dpkg-dev (for
# dpkg-source) and debian-archive-keyring; bootstrap.sh installs them.
# The private lists are refreshed only when they are missing, older than a
# day, or do not know the version asked for.

HB_REPO=${HB_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
HB_APT_DIR=${HB_APT_DIR:-$HB_REPO/.cache/apt}

_hb_apt() { _hb_apt_tool apt-get "$@"; }
_hb_apt_cache() { _hb_apt_tool apt-cache "$@"; }
_hb_apt_tool() {
  local tool=$1
  shift
  "$tool" -q \
    -o Dir::Etc::SourceList=/dev/null \
    -o Dir::Etc::SourceParts="$HB_APT_DIR/sources.list.d" \
    -o Dir::State::Lists="$HB_APT_DIR/lists" \
    -o Dir::Cache="$HB_APT_DIR/cache" \
    -o APT::Sandbox::User=root \
    "$@"
}

_hb_apt_setup() {
  mkdir -p "$HB_APT_DIR/sources.list.d" "$HB_APT_DIR/lists/partial" \
    "$HB_APT_DIR/cache/archives/partial"
  cat >"$HB_APT_DIR/sources.list.d/heapbench-src.sources" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
}

_hb_apt_update() {
  echo "srcpkg: refreshing the private deb-src lists in $HB_APT_DIR" >&2
  _hb_apt update >"$HB_APT_DIR/update.log" 2>&1 || {
    cat "$HB_APT_DIR/update.log" >&2
    return 1
  }
  touch "$HB_APT_DIR/lists/.updated"
}

# fetch_source_package NAME[=VERSION] DEST
# Downloads and unpacks the source package into DEST (created if needed) and
# prints the path of the unpacked tree.  Fails with a message if apt cannot
# find that version.
fetch_source_package() {
  local spec=${1:-} dest=${2:-} name=${1:-} version='' before after tree
  name=${name%%=*}
  [ "$name" = "$spec" ] || version=${spec#*=}
  if [ -z "$name" ] || [ -z "$dest" ]; then
    echo "usage: fetch_source_package NAME[=VERSION] DEST" >&2
    return 2
  fi
  _hb_apt_setup
  if [ ! -e "$HB_APT_DIR/lists/.updated" ] ||
    [ -n "$(find "$HB_APT_DIR/lists/.updated" -mmin +1440)" ] ||
    ! _hb_apt_cache showsrc "$name" 2>/dev/null |
    grep -cx "Version: ${version:-.*}" >/dev/null; then
    _hb_apt_update || return 1
  fi
  mkdir -p "$dest"
  before=$(ls -1d "$dest/$name"-*/ 2>/dev/null || true)
  # apt-get source unpacks into the current directory.
  if ! (cd "$dest" && _hb_apt source "$spec" >"$HB_APT_DIR/source.log" 2>&1); then
    cat "$HB_APT_DIR/source.log" >&2
    echo "srcpkg: apt-get source $spec failed (is the version still in bookworm?" \
      "apt-cache showsrc $name lists what the archive has)" >&2
    return 1
  fi
  after=$(ls -1d "$dest/$name"-*/ 2>/dev/null || true)
  tree=$(comm -13 <(echo "$before") <(echo "$after") | head -n1)
  [ -n "$tree" ] || tree=$(echo "$after" | tail -n1)
  echo "${tree%/}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  fetch_source_package "$@"
fi
