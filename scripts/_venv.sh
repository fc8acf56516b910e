# Creates .venv with Python 3.11 and installs chiiki from the lockfile (requirements/*.txt, every
# package pinned with its hashes) whenever the lockfile or pyproject.toml changed.
ensure_venv() {
  local extras="$1"   # "" (the product) or "[dev]" (also the tests and benchmarks)
  local py="${PYTHON:-python3.11}"
  command -v "$py" >/dev/null 2>&1 || py=python3
  if ! "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "chiiki needs Python 3.11 ($py is $("$py" --version 2>&1))" >&2
    exit 1
  fi
  local lock=requirements/base.txt
  [ "$extras" = "[dev]" ] && lock=requirements/dev.txt
  local want
  want="$(cat "$lock" pyproject.toml | sha256sum | cut -c1-16)"
  # dev.txt holds everything base.txt does, at the same versions: a dev install serves both.
  local dev_want
  dev_want="$(cat requirements/dev.txt pyproject.toml | sha256sum | cut -c1-16)"
  if [ -x .venv/bin/python ]; then
    if [ "$(cat ".venv/.installed${extras}" 2>/dev/null)" = "$want" ] \
      || [ "$(cat ".venv/.installed[dev]" 2>/dev/null)" = "$dev_want" ]; then
      return 0
    fi
  else
    "$py" -m venv .venv
  fi
  echo "chiiki を準備しています（依存パッケージの導入、初回と更新後のみ）…"
  # setuptools' notice about editable installs (framed in !! and ****) is not an error:
  # keep it off the screen so a first run shows only what matters.
  PYTHONWARNINGS=ignore .venv/bin/python -m pip install -q --disable-pip-version-check \
    --require-hashes -r "$lock"
  # chiiki itself, built with the locked setuptools and wheel (no unpinned build environment)
  PYTHONWARNINGS=ignore .venv/bin/python -m pip install -q --disable-pip-version-check \
    --no-deps --no-build-isolation -e .
  echo "$want" > ".venv/.installed${extras}"
}
