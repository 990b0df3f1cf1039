#!/usr/bin/env bash
# Install Debian's chromium for the end-to-end tests when it is missing (never a
# browser download of Playwright's own). Fails loudly: the e2e run is never skipped.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "e2e: $CHROMIUM is missing and apt-get is not available to install it" >&2
  exit 1
fi
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo -n)
  else
    echo "e2e: $CHROMIUM is missing; run 'apt-get install -y chromium' as root" >&2
    exit 1
  fi
fi
echo "e2e: installing Debian's chromium (apt-get)"
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo_cmd[@]}" apt-get update -qq \
  || ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
      chromium fonts-liberation >/dev/null; then
  echo "e2e: could not install chromium with apt-get; the browser tests cannot run" >&2
  exit 1
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "e2e: apt-get finished but $CHROMIUM is still missing" >&2
  exit 1
fi
"$CHROMIUM" --version
