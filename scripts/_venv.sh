# Sourced by scripts/dev and scripts/test: make sure .venv exists (Python 3.11) and holds the project.
# Usage: ensure_venv ""      -> pip install -e .
#        ensure_venv "[dev]" -> pip install -e '.[dev]'
# The install is skipped when pyproject.toml has not changed since the last successful one.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

ensure_venv() {
  local extras="$1"
  local python="${PYTHON:-python3.11}"
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "error: $python not found; install Python 3.11 or set PYTHON=/path/to/python3.11" >&2
    return 1
  fi
  if [ -x "$VENV/bin/python" ] && ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "Recreating $VENV: it is not Python 3.11" >&2
    rm -rf "$VENV"
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating $VENV with $python ..." >&2
    "$python" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed${extras:+-dev}"
  local wanted
  wanted="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "Installing the project into $VENV (pip install -e '.${extras}') ..." >&2
    # Some machines' pip configuration names local mirrors that do not exist; that warning is noise.
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT${extras}" 2>&1 \
      | { grep -v "^WARNING: Location '.*' is ignored: it is neither a file nor a directory" || true; } >&2
    echo "$wanted" > "$stamp"
  fi
}
