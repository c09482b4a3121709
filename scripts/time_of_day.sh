#!/usr/bin/env bash
# The time-of-day check: run the tests whose outcome could depend on the hour, the weekday or DST
# (marked `time_of_day`) with the clock of the test process and of every service it starts faked
# by libfaketime: Sunday 02:30 Oslo, a weekday 12:00, and the autumn night the clocks go back
# (scripts/fake_clocks.py). Kafka and the store are not faked. Part of `make test`; alone:
#   scripts/time_of_day.sh [moment ...] [-- pytest args]
set -euo pipefail
source "$(dirname "$0")/env.sh"

# libfaketime from Debian's package, unpacked into the cache (no root, nothing installed).
FAKETIME_DIR="$HOPPID_CACHE_DIR/libfaketime"
FAKETIME_LIB="$FAKETIME_DIR/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
if [[ ! -f "$FAKETIME_LIB" ]]; then
  command -v apt-get >/dev/null || die "the time-of-day check needs Debian's libfaketime (apt-get not found)"
  say "fetching Debian's libfaketime into $FAKETIME_DIR"
  scratch="$(mktemp -d)"
  (cd "$scratch" && { apt-get download libfaketime >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get download libfaketime >/dev/null; }; }) ||
    die "could not download Debian's libfaketime package"
  mkdir -p "$FAKETIME_DIR"
  dpkg-deb -x "$scratch"/libfaketime_*.deb "$FAKETIME_DIR"
  rm -rf "$scratch"
fi

moments=()
while [[ $# -gt 0 && $1 != -- ]]; do moments+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift

cd "$REPO"
failed=()
while read -r name offset shown; do
  say "time of day: the tests at $shown ($name)"
  # An offset (not a start time) keeps every process on one clock, whenever it starts. The
  # monotonic clock stays real: asyncio's timers and timeouts must not jump.
  if ! LD_PRELOAD="$FAKETIME_LIB" FAKETIME="$offset" FAKETIME_DONT_FAKE_MONOTONIC=1 \
    FAKETIME_DONT_RESET=1 "$PY" -m pytest -m time_of_day -q -p no:cacheprovider "$@"; then
    failed+=("$name")
  fi
done < <("$PY" scripts/fake_clocks.py "${moments[@]}")
[[ ${#failed[@]} == 0 ]] || die "time of day: tests failed at: ${failed[*]}"
