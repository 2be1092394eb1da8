#!/usr/bin/env bash
# Prints the path of a Python 3.12+ interpreter (3.13 preferred), or explains
# what is missing and exits 1. Order: $PYTHON, python3.13, python3.12, pyenv's
# interpreters, then python3 if it is new enough.
set -euo pipefail

ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for v in 3.13 3.12; do
  command -v "python$v" >/dev/null 2>&1 && candidates+=("$(command -v "python$v")")
done
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
if [ -d "$pyenv_root/versions" ]; then
  for d in $(ls -1 "$pyenv_root/versions" | grep -E '^3\.1[2-9]\.[0-9]+$' | sort -t. -k2,2nr -k3,3nr); do
    candidates+=("$pyenv_root/versions/$d/bin/python3")
  done
fi
command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")

for c in "${candidates[@]}"; do
  if [ -x "$c" ] && ok "$c"; then
    echo "$c"
    exit 0
  fi
done

cat >&2 <<MSG
victimcare needs Python 3.12 or newer (3.13 preferred), and none was found.
Looked at: \$PYTHON, python3.13, python3.12, $pyenv_root/versions/3.1x, python3.
Install one (for example 'pyenv install 3.13') or set PYTHON=/path/to/python3.13.
MSG
exit 1
