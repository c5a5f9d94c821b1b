#!/usr/bin/env bash
# One install step of the Makefile, quiet unless it fails:
#
#   scripts/step.sh "Installing Python packages" pip install -e .
#
# prints "Installing Python packages… done (41 s)" and keeps the command's whole output in
# build/logs/<label>.log. When the command fails, the step prints the last lines of that log
# and its path, and exits with the command's status, so make stops there. V=1 (`make V=1`)
# shows everything as it happens. Package managers print thousands of lines on success
# (`make demo` used to print ~4,400 before the two that matter); on failure, their last lines
# are the ones that say why.
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 LABEL COMMAND [ARGUMENT...]" >&2
  exit 2
fi
label=$1
shift

logs=${UCDH_STEP_LOGS:-build/logs}
tail_lines=${UCDH_STEP_TAIL:-60}
mkdir -p "$logs"
# "Installing Python packages" -> build/logs/installing-python-packages.log
name=$(printf '%s' "$label" | tr '[:upper:]' '[:lower:]' | tr -cs 'a-z0-9' '-' | sed 's/^-*//; s/-*$//')
log="$logs/${name:-step}.log"

if [ "${V:-0}" = 1 ]; then
  echo "== $label: $*"
  "$@" 2>&1 | tee "$log"
  exit "${PIPESTATUS[0]}"
fi

printf '%s… ' "$label"
start=$SECONDS
# No terminal: progress bars and colours stay out of the log (and prompts cannot wait
# for an answer nobody sees).
"$@" </dev/null >"$log" 2>&1
status=$?
elapsed=$((SECONDS - start))
if [ "$status" -eq 0 ]; then
  echo "done ($elapsed s)"
  exit 0
fi
echo "FAILED ($elapsed s, exit status $status)"
{
  echo "---- last $tail_lines lines of $log ----"
  tail -n "$tail_lines" "$log"
  echo "---- the whole output is in $log (make V=1 shows it as it happens) ----"
} >&2
exit "$status"
