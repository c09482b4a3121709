#!/usr/bin/env bash
# A real OpenID Connect provider on loopback, for the tests and local runs of staff sign-in
# (issue 14): oidc-provider-mock from PyPI, installed once into a venv of its own in the cache
# (no service depends on it). It starts in about 2 s and takes about 60 MB, where Keycloak's
# server needs a JVM, tens of seconds and over half a GB on these 2 cores. 0.3.4 is its last
# version for Python 3.11 (0.4 needs 3.12); it does not check PKCE itself (the services send and
# keep the verifier all the same; docs/security.md).
#
# Usage: scripts/oidc_provider.sh PORT [--user-claims '{"sub": "...", ...}' ...]
# Runs in the foreground on 127.0.0.1:PORT; the issuer is http://127.0.0.1:PORT.
set -euo pipefail
source "$(dirname "$0")/env.sh"

VERSION="${HOPPID_OIDC_MOCK_VERSION:-0.3.4}"
VENV="$HOPPID_CACHE_DIR/oidc-provider-mock-$VERSION"
PYTHON="${HOPPID_PYTHON:-$(command -v python3.11 || command -v python3)}"
[[ $# -ge 1 ]] || die "usage: scripts/oidc_provider.sh PORT [--user-claims JSON ...]"

if [[ ! -x "$VENV/bin/oidc-provider-mock" ]]; then
  mkdir -p "$HOPPID_CACHE_DIR"
  if mkdir "$VENV.lock" 2>/dev/null; then  # two runs at once: one installs, the other waits
    say "installing oidc-provider-mock $VERSION from PyPI into $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "oidc-provider-mock==$VERSION" \
      || { rm -rf "$VENV" "$VENV.lock"; die "could not install oidc-provider-mock $VERSION"; }
    rmdir "$VENV.lock"
  else
    while [[ -d "$VENV.lock" ]]; do sleep 1; done
  fi
fi

port="$1"
shift
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning}"
exec "$VENV/bin/oidc-provider-mock" --host 127.0.0.1 --port "$port" "$@"
