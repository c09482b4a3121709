#!/usr/bin/env bash
# Install what the Python side needs: uv (from PyPI, into the cache) and the workspace's
# locked dependencies (into .venv). Safe to run again: it only fills in what is missing.
set -euo pipefail
source "$(dirname "$0")/env.sh"

python_ok() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null
}

PYTHON="${HOPPID_PYTHON:-$(command -v python3.11 || command -v python3 || true)}"
[[ -n "$PYTHON" ]] && python_ok "$PYTHON" \
  || die "Python 3.11 or newer is needed (set HOPPID_PYTHON to its path, or install python3.11)"

if [[ ! -x "$UV" ]]; then
  say "installing uv $UV_VERSION from PyPI into $HOPPID_CACHE_DIR"
  "$PYTHON" -m venv "$HOPPID_CACHE_DIR/uv-$UV_VERSION"
  "$HOPPID_CACHE_DIR/uv-$UV_VERSION/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi

cd "$REPO"
"$UV" sync --all-packages --locked --python "$PYTHON" --quiet
