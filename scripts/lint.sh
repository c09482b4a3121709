#!/usr/bin/env bash
# Static checks: ruff (style, bugs) and mypy (types, strict) over the whole workspace.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$REPO/scripts/bootstrap.sh"
cd "$REPO"
"$REPO/.venv/bin/ruff" check .
"$REPO/.venv/bin/ruff" format --check .
"$REPO/.venv/bin/mypy" shared/src services/*/src contracts/*/src
