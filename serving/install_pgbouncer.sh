#!/usr/bin/env bash
# Install Debian's pgbouncer for the PgBouncer test in serving/ when it is missing.
# Fails loudly: the test is never skipped for want of the binary.
set -euo pipefail

PGBOUNCER=/usr/sbin/pgbouncer

if [ -x "$PGBOUNCER" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "pgbouncer: $PGBOUNCER is missing and apt-get is not available to install it" >&2
  exit 1
fi
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo -n)
  else
    echo "pgbouncer: $PGBOUNCER is missing; run 'apt-get install -y pgbouncer' as root" >&2
    exit 1
  fi
fi
echo "pgbouncer: installing Debian's pgbouncer (apt-get)"
export DEBIAN_FRONTEND=noninteractive
install() {
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null
}
# The package lists may be missing or old on a fresh machine: update, then try again.
if ! install; then
  if ! "${sudo_cmd[@]}" apt-get update -qq || ! install; then
    echo "pgbouncer: could not install pgbouncer with apt-get" >&2
    exit 1
  fi
fi
if [ ! -x "$PGBOUNCER" ]; then
  echo "pgbouncer: apt-get finished but $PGBOUNCER is still missing" >&2
  exit 1
fi
"$PGBOUNCER" --version | head -n 1
