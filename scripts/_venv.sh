# Creates .venv with Python 3.11 and installs chiiki (pinned deps) when pyproject.toml changed.
ensure_venv() {
  local extras="$1"
  local py="${PYTHON:-python3.11}"
  command -v "$py" >/dev/null 2>&1 || py=python3
  if ! "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "chiiki needs Python 3.11 ($py is $("$py" --version 2>&1))" >&2
    exit 1
  fi
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  local stamp=".venv/.installed${extras}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "chiiki を準備しています（依存パッケージの導入、初回と更新後のみ）…"
    # setuptools' notice about editable installs (framed in !! and ****) is not an error:
    # keep it off the screen so a first run shows only what matters.
    PYTHONWARNINGS=ignore .venv/bin/python -m pip install -q --upgrade pip
    PYTHONWARNINGS=ignore .venv/bin/python -m pip install -q -e ".${extras}"
    touch "$stamp"
  fi
}
