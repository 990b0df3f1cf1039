#!/usr/bin/env bash
# Usage: deploy/apt-install-missing.sh BINARY PACKAGE...
# Install Debian's PACKAGE(s) with apt-get when BINARY (an absolute path) is missing,
# then print BINARY's version. Used by `make e2e` (chromium), `make pgbouncer` and
# `make serve` / the proxy tests (nginx). Fails loudly: nothing is skipped for want of it.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BINARY PACKAGE..." >&2
  exit 2
fi
binary=$1
shift
name=$(basename "$binary")

version() {
  case $name in
    nginx) "$binary" -v 2>&1 ;;
    *) "$binary" --version 2>&1 | head -n 1 ;;
  esac
}

if [ -x "$binary" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "$name: $binary is missing and apt-get is not available to install it" >&2
  exit 1
fi
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo -n)
  else
    echo "$name: $binary is missing; run 'apt-get install -y $*' as root" >&2
    exit 1
  fi
fi
echo "$name: installing Debian's $* (apt-get)"
export DEBIAN_FRONTEND=noninteractive
install() {
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
# The package lists may be missing or old on a fresh machine: update, then try again.
if ! install "$@"; then
  if ! "${sudo_cmd[@]}" apt-get update -qq || ! install "$@"; then
    echo "$name: could not install $* with apt-get" >&2
    exit 1
  fi
fi
if [ ! -x "$binary" ]; then
  echo "$name: apt-get finished but $binary is still missing" >&2
  exit 1
fi
version
