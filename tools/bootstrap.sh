#!/usr/bin/env bash
# tools/bootstrap.sh - install what heapbench needs, idempotently.
#
#   tools/bootstrap.sh [test|bench]
#
# Checks the Debian packages the build needs (dpkg-query, well under a
# second when all is present) and installs only what is missing.  apt-get
# update runs only when something must be installed.  A non-root user is told
# the exact command to run instead.
set -euo pipefail

what=${1:-test}

# Packages every build needs.
packages=(cmake make gcc g++ libc6-dev)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "heapbench needs these Debian packages: ${missing[*]}" >&2
    echo "Run as root:" >&2
    echo "  $cmd" >&2
    exit 1
  fi
  echo "bootstrap ($what): installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
