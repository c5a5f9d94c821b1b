#!/usr/bin/env bash
# Acceptance check: the wheel is prebuilt. Installed into a clean venv holding only
# JupyterLab, both the server extension and the labextension are enabled and OK,
# with no Node build. Usage: scripts/check_wheel.sh [python]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-python3}
ROOT=$(pwd)
export PATH="$ROOT/.venv/bin:$PATH"
rm -rf dist
# A production build of the frontend goes into the wheel, not the dev build.
.venv/bin/jlpm build:prod >/dev/null
( unset SKIP_JUPYTER_BUILDER; .venv/bin/python -m pip wheel -q --no-deps -w dist . )
WHEEL=$(ls dist/ucdh_jupyter-*.whl)
listing=$(unzip -l "$WHEEL")
for expected in share/jupyter/labextensions/ucdh-jupyter/install.json \
    share/jupyter/labextensions/ucdh-jupyter/static/style.js \
    etc/jupyter/jupyter_server_config.d/ucdh_jupyter.json ucdh_jupyter/openapi.yaml; do
  grep -q "$expected" <<<"$listing" || { echo "wheel lacks $expected"; exit 1; }
done
CLEAN=$(mktemp -d)
trap 'rm -rf "$CLEAN"' EXIT
"$PY" -m venv "$CLEAN/venv"
# pip only unpacks files here: no Node build runs, the labextension is already built.
cd "$CLEAN"
PATH="$CLEAN/venv/bin:/usr/bin:/bin" "$CLEAN/venv/bin/pip" install -q jupyterlab "$ROOT/$WHEEL"
server=$(PATH="$CLEAN/venv/bin:/usr/bin:/bin" jupyter server extension list 2>&1)
lab=$(PATH="$CLEAN/venv/bin:/usr/bin:/bin" jupyter labextension list 2>&1)
grep -E "ucdh_jupyter.*enabled" <<<"$server"
grep -E "ucdh_jupyter .*OK" <<<"$server"
grep -E "ucdh-jupyter.*enabled.*OK" <<<"$lab"
echo "wheel check: $WHEEL is prebuilt and enabled in a clean venv"
