#!/usr/bin/env bash
# Debian's Chromium for the browser tests: Playwright's own browser download is
# impossible here, so the tests launch /usr/bin/chromium.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "Chromium is missing and this user cannot install it: run 'apt-get install chromium' as root." >&2
  exit 0
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing Debian's Chromium for the browser tests…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-liberation2 >/dev/null
chromium --version
