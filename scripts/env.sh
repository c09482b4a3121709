# Sourced by every script: where the repo and the caches are, and how uv behaves here.
# Downloads and builds live in HOPPID_CACHE_DIR, outside the repo, so a second run is fast.
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO
export HOPPID_CACHE_DIR="${HOPPID_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hoppid}"
export UV_CACHE_DIR="${UV_CACHE_DIR:-$HOPPID_CACHE_DIR/uv}"
export UV_PYTHON_DOWNLOADS=never   # use the machine's Python 3.11+, never download one
export UV_VERSION="${UV_VERSION:-0.13.9}"
UV="$HOPPID_CACHE_DIR/uv-$UV_VERSION/bin/uv"
PY="$REPO/.venv/bin/python"
say() { printf '\033[1mhoppid:\033[0m %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
