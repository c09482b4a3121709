#!/usr/bin/env bash
# Prometheus's promtool, from Debian's `prometheus` package, unpacked into the cache once (no
# root, nothing installed; as scripts/time_of_day.sh fetches libfaketime). Runs promtool with the
# arguments given, e.g.
#   scripts/promtool.sh check rules deploy/prometheus/alerts.yml
#   scripts/promtool.sh test rules deploy/prometheus/alerts.test.yml
# `scripts/promtool.sh --path` fetches it if needed and prints the binary's path.
# The package version is pinned (PROMETHEUS_DEBIAN_VERSION); if the Debian mirror no longer has
# it (a point release replaced it), the mirror's current version is taken and the script says so.
set -euo pipefail
source "$(dirname "$0")/env.sh"

PROMETHEUS_DEBIAN_VERSION="${PROMETHEUS_DEBIAN_VERSION:-2.42.0+ds-5+deb12u1}"
PROMTOOL_DIR="$HOPPID_CACHE_DIR/promtool-$PROMETHEUS_DEBIAN_VERSION"
PROMTOOL="$PROMTOOL_DIR/promtool"

download() { # into the current folder; $1: package or package=version
  apt-get download "$1" >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get download "$1" >/dev/null 2>&1; }
}

fetch() {
  command -v apt-get >/dev/null || die "promtool comes from Debian's prometheus package (apt-get not found)"
  command -v dpkg-deb >/dev/null || die "promtool comes from Debian's prometheus package (dpkg-deb not found)"
  say "fetching promtool (Debian's prometheus $PROMETHEUS_DEBIAN_VERSION) into $PROMTOOL_DIR"
  local scratch
  scratch="$(mktemp -d)"
  # shellcheck disable=SC2064  # expand now: the trap runs after this function's locals are gone
  trap "rm -rf '$scratch'" EXIT
  if ! (cd "$scratch" && download "prometheus=$PROMETHEUS_DEBIAN_VERSION"); then
    say "Debian's mirror no longer has prometheus $PROMETHEUS_DEBIAN_VERSION: taking its current version"
    (cd "$scratch" && download prometheus) || die "could not download Debian's prometheus package"
  fi
  dpkg-deb -x "$scratch"/prometheus_*.deb "$scratch/root"
  [[ -x "$scratch/root/usr/bin/promtool" ]] || die "Debian's prometheus package holds no usr/bin/promtool"
  mkdir -p "$PROMTOOL_DIR"
  # a temporary name and a rename, so a run beside this one never finds half a binary
  mv "$scratch/root/usr/bin/promtool" "$PROMTOOL.$$"
  mv -f "$PROMTOOL.$$" "$PROMTOOL"
  "$PROMTOOL" --version 2>&1 | head -1 >"$PROMTOOL_DIR/version"
  say "$(cat "$PROMTOOL_DIR/version")"
}

[[ -x "$PROMTOOL" ]] || fetch
if [[ ${1:-} == --path ]]; then
  echo "$PROMTOOL"
else
  exec "$PROMTOOL" "$@"
fi
