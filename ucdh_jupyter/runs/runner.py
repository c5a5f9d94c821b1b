"""The one script that executes a run's notebook: on the run's EC2 instance, or locally.

It is uploaded next to the run's inputs as a single file and started by the
instance's user data; in the demo and tests the very same file runs as a local
subprocess against the local S3 endpoint. So it depends on nothing but the standard
library, boto3 and papermill, and never imports ``ucdh_jupyter``.

What it does, in order: read the inputs from ``s3://BUCKET/PREFIX/input/``, install
the environment (``pip install -r``), execute the notebook with papermill to a local
file, and meanwhile, every heartbeat, upload ``status.json`` and the partial notebook
and look for a cancel request. At the end it uploads the executed notebook and the
log, then the final status (last, so whoever sees it finds the outputs in place),
and exits non-zero unless the notebook succeeded. SIGTERM (a cancel, the deadline, a
shutdown) stops the notebook and saves what it produced. On a real instance it then
powers the machine off, which terminates it.

The S3 layout and the status fields below are the protocol between this script and
the server, which imports them from here.

Environment: ``UCDH_RUN_ID``, ``UCDH_RUN_BUCKET``, ``UCDH_RUN_PREFIX`` (the run's own
prefix), and optionally ``UCDH_S3_ENDPOINT_URL``, ``UCDH_KMS_KEY_ID``,
``UCDH_HEARTBEAT_SECONDS`` (30), ``UCDH_DEADLINE`` (ISO 8601 UTC), ``UCDH_KERNEL_NAME``
(python3), ``UCDH_WORKDIR``, ``UCDH_SKIP_INSTALL=1``, ``UCDH_SHUTDOWN_WHEN_DONE=1``,
``UCDH_GPU_INSTANCE_TYPE`` (set for GPU types: ``nvidia-smi -L`` must list the GPUs).
AWS credentials and region come from the usual boto3 chain.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
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
PARTIAL_KEY = "output/partial.ipynb"
OUTPUT_KEY = "output/notebook.ipynb"
LOG_KEY = "output/runner.log"

# Runner phases written to status.json, in order; the last three are final.
PHASES = ("starting", "installing", "running", "finalizing", "succeeded", "failed", "cancelled")
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


def now_iso() -> str:
    """Now as ``2026-07-20T10:00:00Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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
        self.prefix = env["UCDH_RUN_PREFIX"].rstrip("/") + "/"
        self.endpoint_url = env.get("UCDH_S3_ENDPOINT_URL") or None
        self.sse = sse_args(env.get("UCDH_KMS_KEY_ID"))
        self.heartbeat_seconds = float(env.get("UCDH_HEARTBEAT_SECONDS") or 30)
        self.kernel_name = env.get("UCDH_KERNEL_NAME") or "python3"
        self.skip_install = env.get("UCDH_SKIP_INSTALL") == "1"
        self.gpu_type = env.get(GPU_TYPE_VARIABLE) or None
        self.started = time.time()
        deadline = env.get("UCDH_DEADLINE")
        self.stop_at: float | None = None
        if deadline:
            end = datetime.fromisoformat(deadline.replace("Z", "+00:00")).timestamp()
            # Leave time to save the partial notebook before the machine goes away.
            self.stop_at = end - min(300.0, 0.1 * max(0.0, end - self.started))
        self.workdir = Path(env.get("UCDH_WORKDIR") or tempfile.mkdtemp(prefix="ucdh-run-"))
        self.inputs = self.workdir / "notebook"
        self.output = self.workdir / "output.ipynb"
        self.log_file = self.workdir / "runner.log"
        self.notebook_file = self.inputs / "run.ipynb"
        self.parameters: dict[str, Any] = {}
        self.stop_reason: str | None = None
        self.finalizing = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._beats = threading.Thread(target=self.heartbeat, name="heartbeat", daemon=True)
        self._uploaded: dict[str, tuple[int, int]] = {}
        self.status: dict[str, Any] = {
            "run_id": self.run_id,
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

        self.s3 = boto3.client("s3", endpoint_url=self.endpoint_url)

    # -- S3 -----------------------------------------------------------------

    def key(self, relative: str) -> str:
        """The full S3 key of a file of this run."""
        return self.prefix + relative

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
            self.s3.head_object(Bucket=self.bucket, Key=self.key(CANCEL_KEY))
        except ClientError as exc:
            # Without s3:ListBucket a missing object answers 403 rather than 404.
            if exc.response.get("Error", {}).get("Code") in ("403", "404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    # -- steps --------------------------------------------------------------

    def download_inputs(self) -> None:
        """Notebook, manifest, requirements and the files sent along, into the workdir."""
        self.inputs.mkdir(parents=True, exist_ok=True)
        manifest = json.loads(
            self.s3.get_object(Bucket=self.bucket, Key=self.key(MANIFEST_KEY))["Body"].read()
        )
        self.parameters = dict(manifest.get("parameters") or {})
        self.notebook_file = self.inputs / Path(manifest.get("notebook_name") or "run.ipynb").name
        self.s3.download_file(self.bucket, self.key(NOTEBOOK_KEY), str(self.notebook_file))
        for relative in manifest.get("files", []):
            target = (self.inputs / relative).resolve()
            if self.inputs.resolve() not in target.parents:
                raise ValueError(f"file {relative!r} points outside the run's folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            self.s3.download_file(self.bucket, self.key(FILES_PREFIX + relative), str(target))
        if manifest.get("requirements"):
            self.s3.download_file(
                self.bucket, self.key(REQUIREMENTS_KEY), str(self.workdir / "requirements.txt")
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

    def install_environment(self) -> None:
        """``pip install -r requirements.txt`` into this interpreter's environment."""
        requirements = self.workdir / "requirements.txt"
        if self.skip_install or not requirements.exists():
            log.info("environment: nothing to install")
            return
        command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
        with self.log_file.open("a") as sink:
            done = subprocess.run(  # noqa: S603 - fixed command, our own file
                [*command, "-r", str(requirements)], stdout=sink, stderr=sink, check=False
            )
        if done.returncode != 0:
            raise EnvironmentInstallError(
                f"pip install -r requirements.txt exited {done.returncode}"
            )

    def execute(self) -> None:
        """Run the notebook with papermill; the heartbeat thread publishes its progress."""
        import papermill

        papermill.execute_notebook(
            str(self.notebook_file),
            str(self.output),
            parameters=self.parameters,
            kernel_name=self.kernel_name,
            # The run's kernel is a Python one, whatever the notebook's metadata says.
            language="python",
            cwd=str(self.inputs),
            progress_bar=False,
            log_output=True,
            request_save_on_cell_execute=True,
            autosave_cell_every=max(1, int(self.heartbeat_seconds)),
        )

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
        """SIGTERM unwinds papermill, unless outputs are already being saved."""
        if self.finalizing:
            return
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
                self.put(OUTPUT_KEY, self.output.read_bytes(), "application/x-ipynb+json")
        except Exception:
            log.exception("could not upload the executed notebook")
        log.info("run %s: %s", self.run_id, phase)
        for handler in logging.getLogger().handlers:
            handler.flush()
        try:
            self.put(LOG_KEY, self.log_file.read_bytes(), "text/plain")
        except Exception:
            log.exception("could not upload the log")
        self.put_status(phase=phase, exit_code=exit_code, finished_at=now_iso(), **failure)
        return exit_code

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
        handler = logging.FileHandler(self.log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logging.basicConfig(level=logging.INFO, handlers=[handler, logging.StreamHandler()])
        signal.signal(signal.SIGTERM, self.on_sigterm)
        from papermill.exceptions import PapermillExecutionError

        try:
            self.put_status(phase="starting")
            self._beats.start()
            self.check_gpus()
            self.download_inputs()
            self.put_status(phase="installing")
            self.install_environment()
            self.put_status(phase="running")
            self.execute()
        except Stop:
            return self.stopped()
        except PapermillExecutionError as error:
            cell = self.failing_cell(error.cell_index)
            message = f"{error.ename}: {error.evalue}".strip()
            return self.failed("notebook_error", message, EXIT_NOTEBOOK_ERROR, failing_cell=cell)
        except EnvironmentInstallError as error:
            return self.failed("staging", f"Installing the environment failed: {error}")
        except GpuDriverError as error:
            return self.failed("infrastructure", str(error))
        except Exception as error:
            if type(error).__name__ == "DeadKernelError":
                return self.failed("kernel_died", f"The kernel died: {error}")
            log.exception("run failed")
            return self.failed("infrastructure", f"{type(error).__name__}: {error}")
        return self.finish("succeeded", EXIT_OK)

    def failing_cell(self, executed_index: int) -> int:
        """The failing cell's index in the submitted notebook."""
        notebook = json.loads(self.notebook_file.read_text())
        return original_cell_index(notebook, executed_index, self.parameters)


class EnvironmentInstallError(RuntimeError):
    """pip could not install the run's requirements."""


class GpuDriverError(RuntimeError):
    """A GPU type whose GPUs the driver cannot use."""

    def __init__(self, instance_type: str, reason: str) -> None:
        super().__init__(f"This {instance_type} has no usable GPU driver: {reason}.")


def main() -> int:
    """Entry point: run, then power the machine off when asked to (real instances)."""
    runner = Runner(dict(os.environ))
    try:
        return runner.run()
    finally:
        if os.environ.get("UCDH_SHUTDOWN_WHEN_DONE") == "1":
            subprocess.run(["shutdown", "-h", "now"], check=False)  # noqa: S607


if __name__ == "__main__":
    sys.exit(main())
