#!/usr/bin/env bash
# `make matrix`: the built wheel on the oldest and newest supported JupyterLab 4, on
# Python 3.10 and 3.13. For each combination: a fresh venv under build/matrix/, the
# wheel with its demo extra and that JupyterLab (plus the Notebook 7 of the same
# era), `jupyter labextension list` must say enabled OK, then the galata smoke
# tests run against `ucdh-jupyter demo` (local AWS) from that venv: JupyterLab's
# AWS sidebar, and Notebook 7's AWS panel on its file tree and in a notebook.
#
# MATRIX picks combinations, e.g. MATRIX="3.13-newest" (default: all four);
# MATRIX_WHEEL=path tests that wheel instead of building one.
# The oldest JupyterLab is the floor declared in package.json and pyproject.toml:
# 4.4, the one of the oldest SageMaker Distribution images still supported.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT="$ROOT/build/matrix"
MATRIX=${MATRIX:-"3.10-oldest 3.10-newest 3.13-oldest 3.13-newest"}
# JupyterLab and Notebook 7 pins per era: the floor and the first Notebook built
# on it; "newest" lets pip take the latest 4.x / 7.x.
declare -A LAB=([oldest]="jupyterlab==4.4.0" [newest]="jupyterlab>=4.4,<5")
declare -A NOTEBOOK=([oldest]="notebook==7.4.0" [newest]="notebook>=7.4,<8")

# The interpreter of one Python minor version: on PATH, else a pyenv install.
python_for() {
  local version=$1 candidate
  for candidate in "python$version" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/"python$version"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c '' 2>/dev/null; then
      command -v "$candidate"
      return
    fi
  done
  echo "matrix: no Python $version found (PATH or pyenv)" >&2
  return 1
}

mkdir -p "$OUT"
WHEEL=${MATRIX_WHEEL:-}
if [[ -z "$WHEEL" ]]; then
  echo "matrix: building the wheel (production labextension)"
  rm -rf "$OUT/dist"
  .venv/bin/jlpm build:prod >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
  ( unset SKIP_JUPYTER_BUILDER
    .venv/bin/python -m pip wheel -q --no-deps -w "$OUT/dist" . >>"$OUT/build.log" 2>&1 ) \
    || { cat "$OUT/build.log"; exit 1; }
  WHEEL=$(ls "$OUT"/dist/ucdh_jupyter-*.whl)
fi

passed=() failed=()
for combo in $MATRIX; do
  pyversion=${combo%-*} era=${combo#*-}
  if [[ -z "${LAB[$era]:-}" ]]; then
    echo "matrix: unknown combination $combo (PY-oldest or PY-newest)" >&2
    exit 2
  fi
  dir="$OUT/$combo"
  log="$dir/install.log"
  rm -rf "$dir" && mkdir -p "$dir/root"
  python=$(python_for "$pyversion")
  echo "matrix: $combo: venv with $("$python" --version), ${LAB[$era]}, ${NOTEBOOK[$era]}"
  if ! { "$python" -m venv "$dir/venv" &&
      "$dir/venv/bin/pip" install -q "$WHEEL[demo]" "${LAB[$era]}" "${NOTEBOOK[$era]}"; } >"$log" 2>&1; then
    cat "$log"
    failed+=("$combo (install)")
    continue
  fi
  versions=$("$dir/venv/bin/python" -c \
    'import jupyterlab, notebook, sys; print(f"Python {sys.version.split()[0]}, JupyterLab {jupyterlab.__version__}, Notebook {notebook.__version__}")')
  lab=$(PATH="$dir/venv/bin:/usr/bin:/bin" "$dir/venv/bin/jupyter" labextension list 2>&1)
  if ! grep -qE "ucdh-jupyter .*enabled.*OK" <<<"$lab" || grep -qi "incompatible" <<<"$lab"; then
    echo "$lab"
    failed+=("$combo ($versions: labextension not enabled OK)")
    continue
  fi
  echo "matrix: $combo: $versions: labextension enabled OK; galata smoke tests"
  if (cd ui-tests && UCDH_MATRIX_VENV="$dir/venv" UCDH_MATRIX_ROOT="$dir" UCDH_MATRIX_NOTEBOOK=1 \
      flock /tmp/ucdh-galata.lock ../.venv/bin/jlpm playwright test \
      --config ../scripts/matrix.playwright.config.js); then
    passed+=("$combo ($versions)")
  else
    failed+=("$combo ($versions: smoke tests)")
  fi
done

echo
for combo in "${passed[@]}"; do echo "matrix: PASS $combo"; done
for combo in "${failed[@]}"; do echo "matrix: FAIL $combo"; done
echo "${#passed[@]} passed, ${#failed[@]} failed"
[[ ${#failed[@]} -eq 0 ]]
