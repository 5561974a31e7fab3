#!/usr/bin/env bash
# Installs what the test suite needs and a fresh machine lacks: PostgreSQL server binaries (the tests start
# their own throwaway cluster), Chromium (Playwright drives it; Playwright never downloads a browser here) and
# nginx (the zero-downtime deploy tests start their own nginx as a child process, on loopback ports, with a
# configuration in a temporary folder; the package's own service is not started) and
# Redis (the scale-out tests start their own redis-server for the Channels Redis layer of two server processes).
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing test dependencies: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Installing nginx must not start a system-wide nginx on port 80: the tests run their own. policy-rc.d
  # (101 = action forbidden) keeps the package scripts from starting services, and is removed afterwards.
  policy=/usr/sbin/policy-rc.d
  own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && own_policy=1
  fi
  trap '[ -n "$own_policy" ] && rm -f "$policy"' EXIT
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "The test suite needs these packages, which are not installed: ${missing[*]}" >&2
  echo "Install them, e.g.: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
