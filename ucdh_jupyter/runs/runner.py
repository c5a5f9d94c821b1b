"""The one script that executes a run's notebook: on the run's EC2 instance, or locally.

It is uploaded next to the run's inputs as a single file and started by the
instance's user data; in the demo and tests the very same file runs as a local
subprocess against the local S3 endpoint. So it depends on nothing but the standard
library, boto3 and papermill, and never imports ``ucdh_jupyter``.

It runs as root on the instance (it must write the run's status whatever the notebook
does) and executes the notebook with papermill in a child process as the unprivileged
``UCDH_NOTEBOOK_USER``, whose output goes only to the run's log: never to the console,
cloud-init's log or ``GetConsoleOutput``, and the notebook cannot cancel the armed
shutdown. The boot script, not this runner, powers the machine off (after uploading
its boot log).

What it does, in order: read the inputs from ``s3://BUCKET/PREFIX/input/``, install
the environment (``pip install -r``), execute the notebook with papermill to a local
file, and meanwhile, every heartbeat, upload ``status.json`` and the partial notebook
and look for a cancel request. At the end it uploads the executed notebook and the
log, then the final status (last, so whoever sees it finds the outputs in place),
and exits non-zero unless the notebook succeeded. SIGTERM (a cancel, the deadline, a
shutdown) stops the notebook and saves what it produced.

The S3 layout and the status fields below are the protocol between this script and
the server, which imports them from here.

Environment: ``UCDH_RUN_ID``, ``UCDH_RUN_BUCKET``, ``UCDH_RUN_PREFIX`` (the run's own
prefix), and optionally ``UCDH_KMS_KEY_ID``, ``UCDH_HEARTBEAT_SECONDS`` (30),
``UCDH_DEADLINE`` (ISO 8601 UTC), ``UCDH_WORKDIR``, ``UCDH_NOTEBOOK_USER`` (run the
notebook as this user when the runner is root), ``UCDH_GPU_INSTANCE_TYPE`` (set for GPU
types: ``nvidia-smi -L`` must list the GPUs), ``UCDH_MAX_SECONDS`` (the max runtime,
counted from this runner's own start: a sweep's children start at different times).
The kernel follows the notebook's
language (``python3``, or ``ir`` for R). AWS credentials, region and endpoints
(``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_S3``) come from the usual boto3 chain.

Child mode (``UCDH_SWEEP=1``, one child of a sweep's AWS Batch array job): the child's
index is ``AWS_BATCH_JOB_ARRAY_INDEX`` (0 for a single job); it reads the run's shared
inputs, executes the notebook with the manifest's parameters updated by row ``index``
of ``input/sweep.json``, and keeps its status and outputs under its own
``children/NNNNN/`` (:func:`child_prefix`). The run's one ``cancel-requested`` stops
every child. Every run ends with ``output/scraps.json``: the values the notebook glued
with scrapbook.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

# S3 keys, relative to the run's prefix.
RECORD_KEY = "run.json"
STATUS_KEY = "status.json"
CANCEL_KEY = "cancel-requested"
MANIFEST_KEY = "input/manifest.json"
NOTEBOOK_KEY = "input/notebook.ipynb"
REQUIREMENTS_KEY = "input/requirements.txt"
FILES_PREFIX = "input/files/"
RUNNER_KEY = "input/runner.py"
# The boot script of a Batch job (its command fetches it and checks its SHA-256).
BOOT_KEY = "input/boot.sh"
PARTIAL_KEY = "output/partial.ipynb"
OUTPUT_KEY = "output/notebook.ipynb"
LOG_KEY = "output/runner.log"
BOOT_LOG_KEY = "output/bootstrap.log"
# {"wheels": [file names]} or {"error": "..."}: written by the server when it has filled
# the S3 wheel cache with the run's packages (when the wheel cache is the package source).
WHEELS_KEY = "input/wheels.json"
WHEELS_WAIT_SECONDS = 900
# A sweep's rows, {"rows": [{name: value}, ...]}: child i's parameters update the manifest's.
SWEEP_KEY = "input/sweep.json"
# {name: value} of what the executed notebook glued with scrapbook.
SCRAPS_KEY = "output/scraps.json"
# The media types of scrapbook's glued values: its JSON encoder's (numbers, lists,
# dicts), its text encoder's (strings), and the prefix of all.
SCRAP_JSON = "application/scrapbook.scrap.json+json"
SCRAP_TEXT = "application/scrapbook.scrap.text+json"
SCRAP_PREFIX = "application/scrapbook.scrap."

# What pip prints when it cannot reach its index (no internet, no endpoint, a proxy).
UNREACHABLE_MARKERS = (
    "NewConnectionError",
    "ConnectTimeout",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "ProxyError",
    "Max retries exceeded",
)
# Kernel and papermill language by the notebook's language.
KERNELS = {"python": ("python3", "python"), "r": ("ir", "R")}
# How long papermill waits for the kernel to answer (its default is 60 s). A fresh
# machine reads R and Python libraries from a volume restored lazily from its
# snapshot, and a Batch host may start several children at once: a slow first kernel
# start is not a failed notebook, and failing it would waste the boot and install.
KERNEL_START_SECONDS = 600
# The cells papermill adds at the top of a failed notebook.
ERROR_MARKER_TAG = "papermill-error-cell-tag"

# Runner phases written to status.json: starting, installing, running, finalizing, then
# one of these final ones.
FINAL_PHASES = ("succeeded", "failed", "cancelled")

# Exit codes.
EXIT_OK = 0
EXIT_NOTEBOOK_ERROR = 1
EXIT_FAILED = 2
EXIT_STOPPED = 143

# Set (to the instance type) when the machine has GPUs whose driver must work.
GPU_TYPE_VARIABLE = "UCDH_GPU_INSTANCE_TYPE"

LAST_LINES = 5
LINE_CHARS = 200

log = logging.getLogger("ucdh-runner")


def sse_args(kms_key_id: str | None) -> dict[str, str]:
    """PutObject arguments that encrypt with SSE-KMS under ``kms_key_id`` (if set)."""
    if not kms_key_id:
        return {}
    return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}


def child_prefix(index: int) -> str:
    """Where child ``index`` of a sweep keeps its status and outputs, under the run's prefix."""
    return f"children/{index:05d}/"


def scraps_of(notebook: dict[str, Any]) -> dict[str, Any]:
    """The values an executed notebook glued with scrapbook (``sb.glue``): outputs whose
    data has a ``application/scrapbook.scrap.*`` entry ``{"name", "data", "encoder"}``;
    a value of another encoder than JSON or text (pandas, arrow) is named by its encoder."""
    found: dict[str, Any] = {}
    for cell in notebook.get("cells") or []:
        for output in cell.get("outputs") or []:
            for media, payload in (output.get("data") or {}).items():
                if not str(media).startswith(SCRAP_PREFIX) or not isinstance(payload, dict):
                    continue
                name = payload.get("name")
                if not isinstance(name, str):
                    continue
                if media in (SCRAP_JSON, SCRAP_TEXT):
                    found[name] = payload.get("data")
                else:
                    found[name] = f"<{payload.get('encoder') or media[len(SCRAP_PREFIX) :]}>"
    return found


def now_iso() -> str:
    """Now as ``2026-07-20T10:00:00Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(millis: int, tail: bytes) -> str:
    """The ULID of ``millis`` (48 bits) and ``tail`` (80 bits), Crockford base32: run ids."""
    value = (millis << 80) | int.from_bytes(tail[:10], "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def scheduled_run_id(schedule_id: str, fire: str, at: datetime) -> str:
    """The run id of one fire of a schedule: a ULID whose time is the fire's and whose
    random part comes from the schedule and the fire's key, so a fire delivered twice
    (EventBridge Scheduler delivers at least once) or seen by two servers is one run."""
    millis = int(at.astimezone(timezone.utc).timestamp() * 1000)
    return ulid(millis, hashlib.sha256(f"{schedule_id}|{fire}".encode()).digest())


def claim_fire(template: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """The run record of this fire of a recurring run (schedule mode): the schedule's
    template with the fire's id, times, folder and AWS Batch job. The boot script writes
    it only if no record of that id exists (``If-None-Match``), so a fire delivered
    twice runs once. Stdlib only: it runs before the runner's environment exists."""
    scheduled = env["UCDH_SCHEDULED_TIME"]
    at = datetime.fromisoformat(scheduled.replace("Z", "+00:00"))
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    run_id = scheduled_run_id(env["UCDH_SCHEDULE_ID"], scheduled, at)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    deadline = now + timedelta(hours=float(template["max_hours"]))
    bucket = env["UCDH_RUN_BUCKET"]
    prefix = f"{env['UCDH_RUNS_PREFIX']}{run_id}/"
    return {
        **template,
        "id": run_id,
        "created_at": stamp,
        "updated_at": stamp,
        "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "state": "PROVISIONING",
        "history": [
            {"state": state, "at": stamp} for state in ("STAGING", "SUBMITTED", "PROVISIONING")
        ],
        "started_at": stamp,
        "batch_job_id": env.get("AWS_BATCH_JOB_ID"),
        "schedule_id": env["UCDH_SCHEDULE_ID"],
        "bucket": bucket,
        "prefix": prefix,
        "input_uri": f"s3://{bucket}/{prefix}input/",
        "partial_uri": f"s3://{bucket}/{prefix}{PARTIAL_KEY}",
        "output_uri": f"s3://{bucket}/{prefix}{OUTPUT_KEY}",
        "log_uri": f"s3://{bucket}/{prefix}{LOG_KEY}",
    }


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _output_text(output: dict[str, Any]) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return _text(output.get("text"))
    if kind == "error":
        return f"{output.get('ename')}: {output.get('evalue')}"
    data = output.get("data") or {}
    return _text(data.get("text/plain"))


def progress_of(notebook: dict[str, Any]) -> dict[str, Any]:
    """Cell i of N and the last output lines, from papermill's per-cell metadata.

    Only the notebook's own code cells count (not the injected parameters), so
    "cell 3 of 7" matches what the researcher sees in the notebook they submitted.
    """
    cells = [
        cell
        for cell in notebook.get("cells", [])
        if cell.get("cell_type") == "code"
        and "injected-parameters" not in cell.get("metadata", {}).get("tags", [])
    ]
    statuses = [cell.get("metadata", {}).get("papermill", {}).get("status") for cell in cells]
    done = sum(1 for status in statuses if status == "completed")
    started = any(status in ("running", "failed") for status in statuses)
    lines: list[str] = []
    for cell, status in zip(cells, statuses, strict=True):
        if status in ("completed", "running", "failed") and cell.get("outputs"):
            text = "".join(_output_text(output) for output in cell["outputs"])
            lines = [line[:LINE_CHARS] for line in text.splitlines() if line.strip()] or lines
    return {
        "cell": min(done + (1 if started else 0), len(cells)),
        "cells": len(cells),
        "last_lines": lines[-LAST_LINES:],
    }


def notebook_language(notebook: dict[str, Any]) -> str:
    """``python`` or ``r``, from the notebook's kernelspec or language_info."""
    metadata = notebook.get("metadata") or {}
    spec = metadata.get("kernelspec") or {}
    named = str(spec.get("language") or (metadata.get("language_info") or {}).get("name") or "")
    return "r" if named.strip().lower() == "r" else "python"


def first_error(notebook: dict[str, Any]) -> tuple[int, str] | None:
    """``(cell index, "Name: value")`` of the first cell with an error output in an
    executed notebook, ignoring the marker cells papermill adds on failure."""
    cells = [
        cell
        for cell in notebook.get("cells", [])
        if ERROR_MARKER_TAG not in cell.get("metadata", {}).get("tags", [])
    ]
    for index, cell in enumerate(cells):
        for output in cell.get("outputs") or []:
            if output.get("output_type") == "error":
                return index, f"{output.get('ename')}: {output.get('evalue')}".strip()
    return None


def original_cell_index(
    notebook: dict[str, Any], executed_index: int, parameters: dict[str, Any]
) -> int:
    """Map a cell index of papermill's executed notebook back to the submitted notebook.

    Papermill adds one ``injected-parameters`` cell (after the ``parameters`` cell, or
    first) unless the notebook already had one, which it replaces.
    """
    tags = [cell.get("metadata", {}).get("tags", []) for cell in notebook.get("cells", [])]
    if not parameters or any("injected-parameters" in t for t in tags):
        return executed_index
    marked = [i for i, t in enumerate(tags) if "parameters" in t]
    injected_at = marked[0] + 1 if marked else 0
    return executed_index - 1 if executed_index > injected_at else executed_index


class NotebookFailedError(Exception):
    """The notebook raised: papermill exited 1 and the output names the cell."""

    def __init__(self, cell_index: int, message: str) -> None:
        super().__init__(message)
        self.cell_index = cell_index


class Stop(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM.

    A ``KeyboardInterrupt`` subclass so that it unwinds through asyncio (which
    papermill's engine runs on) instead of being swallowed by a callback handler.
    """


class Runner:
    """One execution of one run's notebook."""

    def __init__(self, env: dict[str, str]) -> None:
        self.run_id = env["UCDH_RUN_ID"]
        self.bucket = env["UCDH_RUN_BUCKET"]
        # The run's prefix (inputs, the cancel flag) and this runner's own (status,
        # outputs): a sweep's child has its own folder under the run's.
        self.run_prefix = env["UCDH_RUN_PREFIX"].rstrip("/") + "/"
        self.child: int | None = None
        if env.get("UCDH_SWEEP") == "1":
            self.child = int(env.get("AWS_BATCH_JOB_ARRAY_INDEX") or 0)
        self.prefix = self.run_prefix + (child_prefix(self.child) if self.child is not None else "")
        self.sse = sse_args(env.get("UCDH_KMS_KEY_ID"))
        self.heartbeat_seconds = float(env.get("UCDH_HEARTBEAT_SECONDS") or 30)
        self.notebook_user = env.get("UCDH_NOTEBOOK_USER") or None
        self.stopping = False
        self.gpu_type = env.get(GPU_TYPE_VARIABLE) or None
        self.started = time.time()
        deadline = env.get("UCDH_DEADLINE")
        self.stop_at: float | None = None
        if deadline:
            end = datetime.fromisoformat(deadline.replace("Z", "+00:00")).timestamp()
            # Leave time to save the partial notebook before the machine goes away.
            self.stop_at = end - min(300.0, 0.1 * max(0.0, end - self.started))
        max_seconds = float(env.get("UCDH_MAX_SECONDS") or 0)
        if max_seconds > 0:
            end = self.started + max_seconds
            own = end - min(300.0, 0.1 * max_seconds)
            self.stop_at = own if self.stop_at is None else min(self.stop_at, own)
        self.workdir = Path(env.get("UCDH_WORKDIR") or tempfile.mkdtemp(prefix="ucdh-run-"))
        self.inputs = self.workdir / "notebook"
        # The notebook user's own folder: it writes the executed notebook there.
        self.outbox = self.workdir / "out"
        self.output = self.outbox / "output.ipynb"
        self.log_file = self.workdir / "runner.log"
        self.notebook_file = self.inputs / "run.ipynb"
        self.language = "python"
        self._child: subprocess.Popen[bytes] | None = None
        self.parameters: dict[str, Any] = {}
        self.stop_reason: str | None = None
        self.finalizing = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._beats = threading.Thread(target=self.heartbeat, name="heartbeat", daemon=True)
        self._uploaded: dict[str, tuple[int, int]] = {}
        self.status: dict[str, Any] = {
            "run_id": self.run_id,
            **({"child": self.child} if self.child is not None else {}),
            "phase": "starting",
            "started_at": now_iso(),
            "heartbeat_at": None,
            "beats": 0,
            "progress": {"cell": 0, "cells": 0, "last_lines": []},
            "failure_kind": None,
            "failure_message": None,
            "failing_cell": None,
            "exit_code": None,
            "finished_at": None,
        }
        import boto3

        self.s3 = boto3.client("s3")

    # -- S3 -----------------------------------------------------------------

    def key(self, relative: str) -> str:
        """The full S3 key of a file this runner writes (a child's: under its folder)."""
        return self.prefix + relative

    def input_key(self, relative: str) -> str:
        """The full S3 key of a file of the run (its inputs, shared by a sweep's children)."""
        return self.run_prefix + relative

    def put(self, relative: str, body: bytes, content_type: str) -> None:
        """Write one object of this run, encrypted as configured."""
        self.s3.put_object(
            Bucket=self.bucket,
            Key=self.key(relative),
            Body=body,
            ContentType=content_type,
            **self.sse,
        )

    def put_status(self, **changes: Any) -> None:
        """Update and upload status.json (the heartbeat)."""
        with self._lock:
            self.status.update(changes)
            self.status["heartbeat_at"] = now_iso()
            self.status["beats"] += 1
            body = json.dumps(self.status, indent=1).encode()
        # A local copy tells the boot script whether the runner reported its end.
        (self.workdir / STATUS_KEY).write_bytes(body)
        self.put(STATUS_KEY, body, "application/json")

    def upload_if_changed(self, path: Path, relative: str, notebook: bool = False) -> bool:
        """Upload ``path`` if it changed since its last upload; notebooks only when whole.

        Papermill rewrites the notebook in place, so a heartbeat may catch it half
        written: such a snapshot is skipped, the next one is taken.
        """
        try:
            stat = path.stat()
        except FileNotFoundError:
            return False
        stamp = (stat.st_mtime_ns, stat.st_size)
        if self._uploaded.get(relative) == stamp:
            return False
        body = path.read_bytes()
        if notebook:
            try:
                parsed = json.loads(body)
            except ValueError:
                return False
            with self._lock:
                self.status["progress"] = progress_of(parsed)
        self.put(relative, body, "application/x-ipynb+json" if notebook else "text/plain")
        self._uploaded[relative] = stamp
        return True

    def cancel_requested(self) -> bool:
        """Whether the server asked this run to stop."""
        from botocore.exceptions import ClientError

        try:
            self.s3.head_object(Bucket=self.bucket, Key=self.input_key(CANCEL_KEY))
        except ClientError as exc:
            # Without s3:ListBucket a missing object answers 403 rather than 404.
            if exc.response.get("Error", {}).get("Code") in ("403", "404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def get(self, relative: str) -> bytes:
        """One input object of the run."""
        body: bytes = self.s3.get_object(Bucket=self.bucket, Key=self.input_key(relative))[
            "Body"
        ].read()
        return body

    # -- steps --------------------------------------------------------------

    def download_inputs(self) -> None:
        """Notebook, manifest, requirements and the files sent along, into the workdir."""
        self.inputs.mkdir(parents=True, exist_ok=True)
        manifest = json.loads(self.get(MANIFEST_KEY))
        self.parameters = dict(manifest.get("parameters") or {})
        if self.child is not None:
            rows = json.loads(self.get(SWEEP_KEY)).get("rows") or []
            if self.child >= len(rows):
                raise ValueError(f"the sweep has no row {self.child}")
            self.parameters.update(rows[self.child])
        self.notebook_file = self.inputs / Path(manifest.get("notebook_name") or "run.ipynb").name
        self.s3.download_file(self.bucket, self.input_key(NOTEBOOK_KEY), str(self.notebook_file))
        self.language = notebook_language(json.loads(self.notebook_file.read_text("utf-8")))
        for relative in manifest.get("files", []):
            target = (self.inputs / relative).resolve()
            if self.inputs.resolve() not in target.parents:
                raise ValueError(f"file {relative!r} points outside the run's folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            self.s3.download_file(self.bucket, self.input_key(FILES_PREFIX + relative), str(target))
        if manifest.get("requirements"):
            self.s3.download_file(
                self.bucket,
                self.input_key(REQUIREMENTS_KEY),
                str(self.workdir / "requirements.txt"),
            )
        log.info("inputs: notebook, %d files", len(manifest.get("files", [])))

    def check_gpus(self) -> None:
        """On a GPU type, log ``nvidia-smi -L`` (the GPUs the notebook gets); no driver,
        or a driver that sees no GPU, ends the run before any install is paid for."""
        if not self.gpu_type:
            return
        try:
            done = subprocess.run(
                ["nvidia-smi", "-L"],  # noqa: S607 - the driver's tool, wherever it is
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise GpuDriverError(self.gpu_type, f"nvidia-smi could not run ({error})") from None
        listed = [line for line in done.stdout.splitlines() if line.strip()]
        if done.returncode != 0 or not listed:
            said = (done.stderr or done.stdout).strip().splitlines()
            reason = said[-1][:LINE_CHARS] if said else "no output"
            raise GpuDriverError(self.gpu_type, f"nvidia-smi -L exited {done.returncode}: {reason}")
        for line in listed:
            log.info("gpu: %s", line.strip()[:LINE_CHARS])

    def check_kernel(self) -> None:
        """An R notebook needs R and IRkernel on the machine (in its image)."""
        if self.language != "r":
            return
        from jupyter_client.kernelspec import KernelSpecManager

        if KERNELS["r"][0] not in KernelSpecManager().find_kernel_specs():
            raise KernelMissingError(
                "This machine's image has no R kernel (R with IRkernel), so the R notebook "
                "cannot run. Ask your administrator for an image with R and IRkernel "
                "(UcdhConfig.runs_ami_id)."
            )

    def install_environment(self) -> None:
        """``pip install -r requirements.txt`` into this interpreter's environment, from
        the package source the boot script exported (``PIP_*``)."""
        requirements = self.workdir / "requirements.txt"
        if not requirements.exists():
            log.info("environment: nothing to install")
            return
        self.fetch_wheels()
        command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
        done = subprocess.run(  # noqa: S603 - fixed command, our own file
            [*command, "-r", str(requirements)], capture_output=True, text=True, check=False
        )
        with self.log_file.open("a") as sink:
            sink.write(done.stdout + done.stderr)
        if done.returncode != 0:
            said = done.stdout + done.stderr
            if any(marker in said for marker in UNREACHABLE_MARKERS):
                raise EnvironmentInstallError(
                    "the package index is unreachable from this machine; ask your "
                    "administrator for a package source its subnet reaches"
                )
            raise EnvironmentInstallError(
                f"pip install -r requirements.txt exited {done.returncode} (the log has "
                "pip's output)"
            )

    def fetch_wheels(self) -> None:
        """With the S3 wheel cache as package source (``UCDH_WHEELS_URI``), wait for the
        server's list of the run's wheels, download them and point pip at them only."""
        cache = os.environ.get("UCDH_WHEELS_URI")
        if not cache or os.environ.get("PIP_FIND_LINKS"):
            return  # another source, or the boot script has fetched them already
        from botocore.exceptions import ClientError

        waited = 0.0
        while True:
            try:
                listing = self.s3.get_object(Bucket=self.bucket, Key=self.input_key(WHEELS_KEY))
                answer = json.loads(listing["Body"].read())
                break
            except ClientError:
                if waited >= WHEELS_WAIT_SECONDS:
                    raise EnvironmentInstallError(
                        "the server did not fill the wheel cache in time"
                    ) from None
                time.sleep(2.0)
                waited += 2.0
        if answer.get("error"):
            raise EnvironmentInstallError(str(answer["error"]))
        bucket, _, prefix = cache.removeprefix("s3://").partition("/")
        folder = self.workdir / "wheels"
        folder.mkdir(exist_ok=True)
        for name in answer.get("wheels", []):
            self.s3.download_file(bucket, prefix + Path(name).name, str(folder / Path(name).name))
        os.environ["PIP_NO_INDEX"] = "1"
        os.environ["PIP_FIND_LINKS"] = str(folder)

    def _as_notebook_user(self) -> dict[str, Any]:
        """``Popen`` arguments that run the child as the notebook user (when this runner
        is root), after handing that user the notebook's folders.

        The switch happens in ``Popen`` itself, not through ``runuser``: runuser stays
        as the child's parent and answers a SIGINT by sending its own child SIGTERM,
        which ends papermill without saving the running cell's output."""
        if not self.notebook_user or os.geteuid() != 0:
            return {}
        import pwd

        account = pwd.getpwnam(self.notebook_user)
        for folder in (self.inputs, self.outbox):
            for path in (folder, *folder.rglob("*")):
                os.chown(path, account.pw_uid, account.pw_gid)
        home = self.workdir.parent / "home"
        env = dict(os.environ)
        env.update(HOME=str(home), USER=account.pw_name, LOGNAME=account.pw_name)
        return {
            "user": account.pw_uid,
            "group": account.pw_gid,
            "extra_groups": os.getgrouplist(account.pw_name, account.pw_gid),
            "env": env,
        }

    def execute(self) -> None:
        """Run the notebook with papermill in a child process as the notebook user; its
        output goes only to the run's log; the heartbeat publishes its progress."""
        kernel, language = KERNELS[self.language]
        self.outbox.mkdir(parents=True, exist_ok=True)
        parameters = self.workdir / "parameters.json"
        parameters.write_text(json.dumps(self.parameters), encoding="utf-8")
        command = [
            sys.executable, "-m", "papermill",
            str(self.notebook_file), str(self.output),
            "--parameters_file", str(parameters),
            "--kernel", kernel, "--language", language,
            "--start-timeout", str(KERNEL_START_SECONDS),
            "--cwd", str(self.inputs),
            "--no-progress-bar", "--log-output",
            "--request-save-on-cell-execute",
            "--autosave-cell-every", str(max(1, int(self.heartbeat_seconds))),
        ]  # fmt: skip
        os.chmod(parameters, 0o644)  # read by the notebook user; never secret
        with self.log_file.open("ab") as sink:
            self._child = subprocess.Popen(  # noqa: S603 - our own fixed command
                command,
                **self._as_notebook_user(),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=sink,
                start_new_session=True,  # one group: a stop reaches the kernel too
            )
            code = self._child.wait()
        if code == 0:
            return
        executed = json.loads(self.output.read_text("utf-8")) if self.output.exists() else {}
        error = first_error(executed)
        if code == 1 and error is not None:
            raise NotebookFailedError(*error)
        raise RuntimeError(f"papermill exited {code} (the log has its output)")

    def stop_child(self) -> None:
        """Interrupt the notebook's process group (SIGINT), then SIGTERM, then SIGKILL.

        SIGINT first, as Jupyter's own "interrupt": the kernel stops the running cell
        with a KeyboardInterrupt, and papermill saves the notebook on its way out, with
        what the running cell printed. Papermill saves a running cell's output only
        with its next output after the autosave interval, so a SIGTERM (which ends it
        without saving) lost everything a cancelled cell had printed since it started.
        """
        child = self._child
        if child is None or child.poll() is not None:
            return
        # SIGINT's grace stays inside the server's 15 s before it terminates the machine.
        steps = ((signal.SIGINT, 10.0), (signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0))
        for sig, grace in steps:
            try:
                os.killpg(child.pid, sig)
            except ProcessLookupError:
                return
            try:
                child.wait(grace)
                return
            except subprocess.TimeoutExpired:
                continue

    # -- heartbeat ----------------------------------------------------------

    def heartbeat(self) -> None:
        """Every beat: publish status and partial outputs, honour cancel and deadline."""
        while not self._done.wait(self.heartbeat_seconds):
            try:
                self.beat()
            except Exception:
                log.exception("heartbeat failed; retrying at the next one")

    def beat(self) -> None:
        """One heartbeat."""
        if self.finalizing:
            return
        self.upload_if_changed(self.output, PARTIAL_KEY, notebook=True)
        self.upload_if_changed(self.log_file, LOG_KEY)
        self.put_status()
        if self.stop_reason is None:
            if self.cancel_requested():
                self.request_stop("cancel")
            elif self.stop_at is not None and time.time() >= self.stop_at:
                self.request_stop("timeout")

    def request_stop(self, reason: str) -> None:
        """Stop the notebook from another thread: the main thread gets SIGTERM."""
        log.warning("stopping: %s", reason)
        self.stop_reason = reason
        os.kill(os.getpid(), signal.SIGTERM)

    def on_sigterm(self, _signum: int, _frame: Any) -> None:
        """The first SIGTERM unwinds the run to :meth:`stop_child`; later ones (a cancel
        then the instance's termination, a shutdown's repeated signals) must not cut
        that stop or the saving of outputs short."""
        if self.finalizing or self.stopping:
            return
        self.stopping = True
        self.stop_reason = self.stop_reason or "terminated"
        raise Stop(self.stop_reason)

    # -- endings ------------------------------------------------------------

    def finish(self, phase: str, exit_code: int, **failure: Any) -> int:
        """Upload the executed notebook and the log, then the final status (last)."""
        self.finalizing = True
        self._done.set()
        # A beat still in flight would overwrite the final status with a stale one.
        if self._beats.is_alive():
            self._beats.join(timeout=120)
        with self._lock:
            self.status["phase"] = "finalizing"
        try:
            self.put_status()
            if self.output.exists():
                self.upload_if_changed(self.output, PARTIAL_KEY, notebook=True)
                executed = self.output.read_bytes()
                self.put(OUTPUT_KEY, executed, "application/x-ipynb+json")
                self.put_scraps(executed)
        except Exception:
            log.exception("could not upload the executed notebook")
        log.info("run %s: %s", self.run_id, phase)
        for handler in logging.getLogger().handlers:
            handler.flush()
        try:
            self.put(LOG_KEY, self.log_file.read_bytes(), "text/plain")
        except Exception:
            log.exception("could not upload the log")
        self.upload_boot_log()
        self.put_status(phase=phase, exit_code=exit_code, finished_at=now_iso(), **failure)
        return exit_code

    def put_scraps(self, executed: bytes) -> None:
        """``output/scraps.json``: what the notebook glued (a sweep's table shows it)."""
        try:
            scraps = scraps_of(json.loads(executed))
        except ValueError:
            return  # cut short mid-write: no values to show
        self.put(SCRAPS_KEY, json.dumps(scraps).encode(), "application/json")

    def upload_boot_log(self) -> None:
        """The machine's boot log so far (``UCDH_BOOT_LOG_FILE``), before the final status:
        the machine may be terminated as soon as that status is seen. It holds the boot
        script's output only, never the notebook's."""
        boot_log = os.environ.get("UCDH_BOOT_LOG_FILE")
        if not boot_log or not os.path.exists(boot_log):
            return
        try:
            self.put(BOOT_LOG_KEY, Path(boot_log).read_bytes(), "text/plain")
        except Exception:
            log.exception("could not upload the boot log")

    def failed(self, kind: str, message: str, exit_code: int = EXIT_FAILED, **more: Any) -> int:
        """End as failed with a failure kind the server understands."""
        log.error("%s: %s", kind, message)
        return self.finish(
            "failed", exit_code, failure_kind=kind, failure_message=message[:2000], **more
        )

    def stopped(self) -> int:
        """End after SIGTERM: cancelled on request, otherwise a timeout or a shutdown."""
        if self.stop_reason == "cancel":
            return self.finish("cancelled", EXIT_STOPPED)
        if self.stop_reason == "timeout":
            message = "The notebook reached its max runtime; outputs so far were saved."
            return self.failed("timeout", message, EXIT_STOPPED)
        message = "The machine was shut down while the notebook ran; outputs so far were saved."
        return self.failed("infrastructure", message, EXIT_STOPPED)

    def run(self) -> int:
        """The whole run; returns the exit code."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        # The log file only: the console is cloud-init's log, which must never carry
        # anything of the notebook (error messages included).
        handler = logging.FileHandler(self.log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logging.basicConfig(level=logging.INFO, handlers=[handler])
        signal.signal(signal.SIGTERM, self.on_sigterm)
        # Handled here, so the notebook's processes start with SIGINT at its default
        # (a handler is reset on exec, an ignored signal stays ignored): a runner
        # started where SIGINT is ignored (a background job, some init systems) would
        # otherwise start a papermill and a kernel that :meth:`stop_child` cannot
        # interrupt, and the running cell's output would be lost.
        signal.signal(signal.SIGINT, self.on_sigterm)
        try:
            self.put_status(phase="starting")
            self._beats.start()
            self.check_gpus()
            self.download_inputs()
            self.check_kernel()
            self.put_status(phase="installing")
            self.install_environment()
            self.put_status(phase="running")
            self.execute()
        except Stop:
            self.stop_child()
            return self.stopped()
        except NotebookFailedError as error:
            cell = self.failing_cell(error.cell_index)
            return self.failed("notebook_error", str(error), EXIT_NOTEBOOK_ERROR, failing_cell=cell)
        except EnvironmentInstallError as error:
            return self.failed("staging", f"Installing the environment failed: {error}")
        except (GpuDriverError, KernelMissingError) as error:
            return self.failed("infrastructure", str(error))
        except Exception as error:
            if "DeadKernelError" in self.log_file.read_text("utf-8", errors="replace"):
                return self.failed("kernel_died", "The kernel died (the log has the details).")
            log.exception("run failed")
            return self.failed("infrastructure", f"{type(error).__name__}: {error}")
        return self.finish("succeeded", EXIT_OK)

    def failing_cell(self, executed_index: int) -> int:
        """The failing cell's index in the submitted notebook."""
        notebook = json.loads(self.notebook_file.read_text())
        return original_cell_index(notebook, executed_index, self.parameters)


class EnvironmentInstallError(RuntimeError):
    """pip could not install the run's requirements."""


class KernelMissingError(RuntimeError):
    """The notebook's kernel is not installed on the machine."""


class GpuDriverError(RuntimeError):
    """A GPU type whose GPUs the driver cannot use."""

    def __init__(self, instance_type: str, reason: str) -> None:
        super().__init__(f"This {instance_type} has no usable GPU driver: {reason}.")


def main() -> int:
    """Entry point: the boot script powers the machine off after this returns.

    ``runner.py claim TEMPLATE RECORD``: write the record of this fire of a recurring run
    (see :func:`claim_fire`) and print its id and folder as shell assignments."""
    if sys.argv[1:2] == ["claim"]:
        template = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        record = claim_fire(template, dict(os.environ))
        Path(sys.argv[3]).write_text(json.dumps(record, indent=1), encoding="utf-8")
        print(f"UCDH_FIRE_RUN_ID={record['id']}\nUCDH_FIRE_PREFIX={record['prefix']}")
        print(f"UCDH_FIRE_DEADLINE={record['deadline']}")
        return 0
    return Runner(dict(os.environ)).run()


if __name__ == "__main__":
    sys.exit(main())
