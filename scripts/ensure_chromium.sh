#!/usr/bin/env bash
# Debian's chromium for the browser tests (tests/e2e): Playwright drives it at
# /usr/bin/chromium (CHROMIUM_PATH to override). Idempotent: does nothing when
# it is there. Never `playwright install`: it downloads a browser from outside
# the package registries.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "The browser tests need Debian's chromium: sudo apt-get install -y --no-install-recommends chromium" >&2
  exit 1
fi
echo "Installing chromium for the browser tests"
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
