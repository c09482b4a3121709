#!/usr/bin/env bash
# What the browser tests need: Debian's Chromium (never a browser download) and axe-core from
# npm (tests/browser/package-lock.json). Safe to run again: it only fills in what is missing.
set -euo pipefail
source "$(dirname "$0")/env.sh"

CHROMIUM="${HOPPID_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM" ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "installing Debian's chromium for the browser tests"
    apt-get install -y --no-install-recommends chromium >/dev/null \
      || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }
  else
    die "the browser tests need Chromium at $CHROMIUM: install Debian's chromium package (as root: apt-get install chromium), or set HOPPID_CHROMIUM"
  fi
fi

if [[ ! -f "$REPO/tests/browser/node_modules/axe-core/axe.min.js" ]]; then
  command -v npm >/dev/null || die "the browser tests need npm (Node.js) to install axe-core"
  say "installing axe-core from npm for the accessibility checks"
  (cd "$REPO/tests/browser" && npm ci --no-audit --no-fund --silent)
fi
