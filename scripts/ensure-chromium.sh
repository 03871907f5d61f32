#!/usr/bin/env bash
# The browser tests (test/console*.test.ts) drive Debian's Chromium at /usr/bin/chromium through
# playwright-core. Installs it with apt-get when missing and running as root; otherwise says how, and fails.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  command -v chromium >/dev/null 2>&1 && exit 0
fi
echo "ensure-chromium: the browser tests need Chromium at /usr/bin/chromium; install it with: sudo apt-get install -y chromium" >&2
exit 1
