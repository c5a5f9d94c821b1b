# The body of a run instance's boot script (user data). ucdh_jupyter/runs/userdata.py
# puts in front of it: the shebang, `shutdown -h +MINUTES` (the first command, so the
# machine powers off at its max runtime whatever happens below), and the exports this
# body reads. It runs as root under cloud-init, whose log is uploaded as
# output/bootstrap.log when it exits; the notebook's own output never reaches it.
#
# UCDH_INSTANCE_ROOT is unset on a real instance. The local stand-in instance of the
# demo and the tests (ucdh_jupyter/demo/instance.py) sets it to a private folder that
# plays "/", and executes this very script with `dnf` and `shutdown` stand-ins.
#
# UCDH_HOST=batch: the script runs in an AWS Batch container (a sweep's child, a
# scheduled run), fetched as input/boot.sh by the job's command, which checked its
# SHA-256 (ucdh_jupyter/runs/batch.py). There is no user data in front of it: the job's
# environment has the exports; Batch enforces the max runtime (the attempt timeout), so
# nothing here calls `shutdown`, the container just exits with the runner's code; and
# no cloud-init keeps the log: it goes to a file (and the container's log stream) and is
# uploaded like the boot log. A sweep's child reports under its own children/NNNNN/.

# UCDH_SCHEDULE_ID: a fire of a recurring run (EventBridge Scheduler submitted this
# job, with no Jupyter server involved); UCDH_RUN_PREFIX is then the schedule's
# snapshot. The fire first claims its run: the runner (checked against its pinned
# checksum) makes the record from the snapshot's template, written only if no record of
# that id exists (Scheduler delivers at least once: a second delivery stops here), then
# the snapshot's inputs are copied into the run's own folder, a marker tells the server
# which schedule fired it, and the rest of this script runs that run as any other.
claim_fire() {
  local tmp base put
  tmp=$(mktemp -d)
  base="s3://$UCDH_RUN_BUCKET/${UCDH_RUN_PREFIX%/}/"
  put=()
  if [ -n "${UCDH_KMS_KEY_ID:-}" ]; then
    put=(--server-side-encryption aws:kms --ssekms-key-id "$UCDH_KMS_KEY_ID")
  fi
  aws s3 cp "$UCDH_RUNNER_URI" "$tmp/runner.py" --only-show-errors &&
    aws s3 cp "${base}template.json" "$tmp/template.json" --only-show-errors || {
    echo "ucdh-jupyter: could not read the schedule's snapshot ($base)" >&2
    exit 1
  }
  if ! echo "$UCDH_RUNNER_SHA256  $tmp/runner.py" | sha256sum -c --status -; then
    echo "ucdh-jupyter: $UCDH_CHECKSUM_MISMATCH" >&2
    exit 2
  fi
  python3 "$tmp/runner.py" claim "$tmp/template.json" "$tmp/record.json" >"$tmp/claim.env" ||
    exit 1
  # shellcheck disable=SC1091
  . "$tmp/claim.env"
  if ! aws s3api put-object --bucket "$UCDH_RUN_BUCKET" --key "${UCDH_FIRE_PREFIX}run.json" \
    --body "$tmp/record.json" --content-type application/json --if-none-match '*' \
    "${put[@]}" >/dev/null 2>"$tmp/put.err"; then
    if grep -q PreconditionFailed "$tmp/put.err"; then
      echo "ucdh-jupyter: run $UCDH_FIRE_RUN_ID of this fire exists already; nothing to do"
      exit 0
    fi
    cat "$tmp/put.err" >&2
    exit 1
  fi
  aws s3 cp --recursive "${base}input/" "s3://$UCDH_RUN_BUCKET/${UCDH_FIRE_PREFIX}input/" \
    "${SSE[@]}" --only-show-errors || exit 1
  aws s3api put-object --bucket "$UCDH_RUN_BUCKET" \
    --key "${UCDH_SCHEDULE_PREFIX}runs/$UCDH_FIRE_RUN_ID" "${put[@]}" >/dev/null || exit 1
  export UCDH_RUN_ID="$UCDH_FIRE_RUN_ID" UCDH_RUN_PREFIX="$UCDH_FIRE_PREFIX"
  export UCDH_DEADLINE="$UCDH_FIRE_DEADLINE"
  export UCDH_RUNNER_URI="s3://$UCDH_RUN_BUCKET/${UCDH_FIRE_PREFIX}input/runner.py"
  rm -rf "$tmp"
}

if [ "${UCDH_HOST:-}" = batch ]; then
  SSE=()
  if [ -n "${UCDH_KMS_KEY_ID:-}" ]; then
    SSE=(--sse aws:kms --sse-kms-key-id "$UCDH_KMS_KEY_ID")
  fi
  if [ -n "${UCDH_SCHEDULE_ID:-}" ]; then
    claim_fire
  fi
  OWN="s3://$UCDH_RUN_BUCKET/${UCDH_RUN_PREFIX%/}/"
  if [ "${UCDH_SWEEP:-}" = 1 ]; then
    OWN="${OWN}$(printf 'children/%05d/' "${AWS_BATCH_JOB_ARRAY_INDEX:-0}")"
  fi
  export UCDH_STATUS_URI="${OWN}status.json" UCDH_BOOT_LOG_URI="${OWN}output/bootstrap.log"
  mkdir -p "${UCDH_INSTANCE_ROOT:-}/var/log"
  BOOT_LOG="${UCDH_INSTANCE_ROOT:-}/var/log/ucdh-boot.log"
  exec > >(tee -a "$BOOT_LOG") 2>&1
fi

RUN_HOME="${UCDH_INSTANCE_ROOT:-}/opt/ucdh-run"
BOOT_LOG="${BOOT_LOG:-${UCDH_INSTANCE_ROOT:-}/var/log/cloud-init-output.log}"
# The runner uploads it too, before its final status: the server terminates the
# machine when it sees that status, which may cut the exit trap's upload short.
export UCDH_BOOT_LOG_FILE="$BOOT_LOG"
export UCDH_WORKDIR="$RUN_HOME/work"
STAGE="starting the machine"
FAILURE_KIND=""
FAILURE_MESSAGE=""

# A JSON string of $1 (quotes and backslashes escaped, control characters dropped).
json_string() {
  printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\000-\037')"
}

# Record why the run cannot go on; the exit trap reports it as the run's status.
fail() {
  FAILURE_KIND="$1"
  FAILURE_MESSAGE="$2"
  echo "ucdh-jupyter: $FAILURE_MESSAGE" >&2
  exit 1
}

# Whether the runner has written a final status (then it has reported the run itself).
runner_reported() {
  grep -Eqs '"phase": "(succeeded|failed|cancelled)"' "$UCDH_WORKDIR/status.json"
}

on_exit() {
  code=$?
  set +e
  # Seeing the status below, the server terminates the machine: the uploads that
  # follow (and inherit this) must not die of that SIGTERM.
  trap '' TERM
  if [ "$code" -ne 0 ] && ! runner_reported; then
    if [ -z "$FAILURE_MESSAGE" ]; then
      FAILURE_KIND="infrastructure"
      FAILURE_MESSAGE="The machine's start-up failed while $STAGE (exit $code); the boot log has the details."
    fi
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    mkdir -p "$RUN_HOME"
    printf '{"phase": "failed", "failure_kind": %s, "failure_message": %s, "exit_code": 2, "heartbeat_at": "%s", "finished_at": "%s"}\n' \
      "$(json_string "$FAILURE_KIND")" "$(json_string "$FAILURE_MESSAGE")" "$now" "$now" >"$RUN_HOME/failed.json"
    aws s3 cp "$RUN_HOME/failed.json" "$UCDH_STATUS_URI" "${SSE[@]}" --only-show-errors
  fi
  if [ "${UCDH_HOST:-}" = batch ]; then
    echo "ucdh-jupyter: boot script done (exit $code)"
    aws s3 cp "$BOOT_LOG" "$UCDH_BOOT_LOG_URI" "${SSE[@]}" --only-show-errors
    return
  fi
  echo "ucdh-jupyter: boot script done (exit $code); powering off"
  # The boot log goes up before the power-off, never racing it.
  aws s3 cp "$BOOT_LOG" "$UCDH_BOOT_LOG_URI" "${SSE[@]}" --only-show-errors
  shutdown -h now
}
trap on_exit EXIT
# A shutdown (the armed one, a termination) signals every process: the runner saves the
# notebook's output; this script waits for it (a trapped signal waits for the running
# command) before its exit trap reports and uploads.
trap 'exit 143' TERM
set -euo pipefail
mkdir -p "$RUN_HOME" "$UCDH_WORKDIR"
if [ -n "${UCDH_CA_BUNDLE_PEM:-}" ]; then
  printf '%s\n' "$UCDH_CA_BUNDLE_PEM" >"$RUN_HOME/ca-bundle.pem"
  export AWS_CA_BUNDLE="$RUN_HOME/ca-bundle.pem"
fi

# The runner first: cheap, and a changed one must not run at all.
STAGE="fetching the runner"
aws s3 cp "$UCDH_RUNNER_URI" "$RUN_HOME/runner.py" --only-show-errors ||
  fail infrastructure "Could not fetch the runner script (input/runner.py) from the run's S3 folder: the instance role may lack s3:GetObject there, the S3 endpoint may be unreachable from the subnet, or the object is missing."
if ! echo "$UCDH_RUNNER_SHA256  $RUN_HOME/runner.py" | sha256sum -c --status -; then
  fail infrastructure "$UCDH_CHECKSUM_MISMATCH"
fi

# The kernel's Python minor version; never silently another one.
STAGE="installing Python"
if ! command -v "$UCDH_PYTHON" >/dev/null; then
  dnf install -y -q "$UCDH_PYTHON" "$UCDH_PYTHON-pip" || echo "dnf could not install $UCDH_PYTHON"
fi
PY=$(command -v "$UCDH_PYTHON") ||
  fail infrastructure "This machine's image has no $UCDH_PYTHON and could not install it (dnf install failed: are its package repositories reachable from the run's subnet?). Ask your administrator for an image that has $UCDH_PYTHON (UcdhConfig.runs_ami_id)."

# The account the notebook runs as.
STAGE="creating the notebook's user"
id -u "$UCDH_NOTEBOOK_USER" >/dev/null 2>&1 ||
  useradd --system --no-create-home --home-dir "$RUN_HOME/home" --shell /sbin/nologin "$UCDH_NOTEBOOK_USER"
mkdir -p "$RUN_HOME/home"
chown "$UCDH_NOTEBOOK_USER:" "$RUN_HOME/home"

# Where pip gets packages (the runner's and the notebook's): exported for both.
STAGE="setting up the package source"
case "$UCDH_PACKAGES_FROM" in
  codeartifact)
    token=$(aws codeartifact get-authorization-token --domain "$UCDH_CODEARTIFACT_DOMAIN" \
      ${UCDH_CODEARTIFACT_OWNER:+--domain-owner "$UCDH_CODEARTIFACT_OWNER"} \
      --query authorizationToken --output text) &&
      endpoint=$(aws codeartifact get-repository-endpoint --domain "$UCDH_CODEARTIFACT_DOMAIN" \
        ${UCDH_CODEARTIFACT_OWNER:+--domain-owner "$UCDH_CODEARTIFACT_OWNER"} \
        --repository "$UCDH_CODEARTIFACT_REPOSITORY" --format pypi \
        --query repositoryEndpoint --output text) ||
      fail infrastructure "Could not get a CodeArtifact token and endpoint for $UCDH_PACKAGES_LABEL: the instance role needs codeartifact:GetAuthorizationToken, codeartifact:GetRepositoryEndpoint and sts:GetServiceBearerToken, and the subnet the codeartifact.api endpoint."
    export PIP_INDEX_URL="https://aws:${token}@${endpoint#https://}simple/"
    ;;
  index)
    export PIP_INDEX_URL="$UCDH_PIP_INDEX_URL"
    ;;
  wheel_cache)
    # The server fills the cache while this machine boots; fetch_wheels (below, or the
    # runner for the notebook's requirements) waits for its list of the run's wheels.
    ;;
esac

# The wheels the server cached for this run; pip then installs only from them.
fetch_wheels() {
  waited=0
  until aws s3 cp "$UCDH_WHEELS_LIST_URI" "$RUN_HOME/wheels.json" --only-show-errors 2>/dev/null; do
    [ "$waited" -lt "$UCDH_WHEELS_WAIT_SECONDS" ] ||
      fail staging "Could not install packages: the server did not fill the wheel cache within $((UCDH_WHEELS_WAIT_SECONDS / 60)) minutes."
    sleep 2
    waited=$((waited + 2))
  done
  if grep -q '"error"' "$RUN_HOME/wheels.json"; then
    fail staging "$(sed -n 's/.*"error": *"\(.*\)".*/\1/p' "$RUN_HOME/wheels.json")"
  fi
  mkdir -p "$RUN_HOME/wheels"
  includes=()
  for wheel in $(grep -o '[A-Za-z0-9_.+!-]*\.whl' "$RUN_HOME/wheels.json"); do
    includes+=(--include "$wheel")
  done
  aws s3 sync "$UCDH_WHEELS_URI" "$RUN_HOME/wheels" --exclude '*' "${includes[@]}" --only-show-errors
  export PIP_NO_INDEX=1 PIP_FIND_LINKS="$RUN_HOME/wheels"
}

# Why pip failed, in words; then end the boot.
pip_failed() {
  if grep -Eq "$UCDH_UNREACHABLE" "$1"; then
    fail staging "Could not install packages: the package index is unreachable ($UCDH_PACKAGES_LABEL). Ask your administrator for a package source the run's subnet reaches (UcdhConfig.runs_pip_index_url, runs_codeartifact_repository or runs_wheel_cache)."
  fi
  missing=$(grep -o 'No matching distribution found for [^ ]*' "$1" | head -1 | sed 's/.*for //') || true
  if [ -n "$missing" ]; then
    fail staging "Could not install packages: no version of $missing for $UCDH_PYTHON is available from $UCDH_PACKAGES_LABEL."
  fi
  fail staging "Could not install packages: pip exited with an error (the boot log has its output)."
}

# The runner's environment, unless the image has it baked in already.
STAGE="installing the runner's packages"
wanted="$UCDH_PYTHON $UCDH_RUNNER_PINS"
if [ "$(cat "$RUN_HOME/venv/ucdh-runner-env" 2>/dev/null)" != "$wanted" ]; then
  [ "$UCDH_PACKAGES_FROM" != wheel_cache ] || fetch_wheels
  "$PY" -m venv "$RUN_HOME/venv"
  printf '%s\n' "$UCDH_RUNNER_PINS" >"$RUN_HOME/runner-requirements.txt"
  if ! "$RUN_HOME/venv/bin/pip" install -q --disable-pip-version-check \
    -r "$RUN_HOME/runner-requirements.txt" >"$RUN_HOME/pip.log" 2>&1; then
    cat "$RUN_HOME/pip.log"
    pip_failed "$RUN_HOME/pip.log"
  fi
  echo "$wanted" >"$RUN_HOME/venv/ucdh-runner-env"
else
  echo "ucdh-jupyter: the image has the runner's environment"
fi

STAGE="running the notebook"
"$RUN_HOME/venv/bin/python" "$RUN_HOME/runner.py"
