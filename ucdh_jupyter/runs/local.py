"""The local executor (``mode='local'`` only): this process plays the run's instance.

Local AWS (moto) creates the instance but never boots it. So, after RunInstances,
the very runner script that the instance would fetch is fetched from the run's S3
prefix and executed here as a subprocess against the local S3 endpoint; when it
exits the instance is terminated, as a real one would power itself off. Terminating
the instance (cancel, reaper) sends the subprocess SIGTERM, as a real shutdown does.

As the instance does, it first waits for its "boot" (``runs_local_boot_seconds``) and
then refuses a runner script whose SHA-256 differs from the one pinned in the user
data RunInstances received: the run fails with the same status, nothing of the script runs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..config import UcdhConfig
from ..errors import log_unexpected
from . import runner as protocol
from .model import Run, iso, utcnow
from .records import RunRecords
from .userdata import checksum_failure_status, pinned_checksum

log = logging.getLogger(__name__)


class LocalExecutor:
    """Runner subprocesses by run id."""

    def __init__(self, config: UcdhConfig, records: RunRecords) -> None:
        if config.mode != "local":
            raise ValueError("the local executor only exists in mode='local'")
        self.records = records
        self.boot_seconds = float(config.runs_local_boot_seconds)
        self._lock = threading.Lock()
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._stopped: set[str] = set()

    def start(
        self,
        run: Run,
        env: dict[str, str],
        terminate: Callable[[list[str]], None],
        user_data: str,
    ) -> None:
        """Boot: after the boot delay fetch the staged runner, check it against the
        checksum ``user_data`` pins, and run it; ``terminate`` is called when it exits
        (or at once when the script is refused)."""
        workdir = Path(tempfile.mkdtemp(prefix=f"ucdh-local-run-{run.id}-"))
        instance_id = str(run.instance_id)
        expected = pinned_checksum(user_data)

        def power_off() -> None:
            try:
                terminate([instance_id])
            except Exception as exc:
                log_unexpected(log, exc, f"could not terminate {instance_id}")
            finally:
                with self._lock:
                    self._processes.pop(run.id, None)
                shutil.rmtree(workdir, ignore_errors=True)

        def boot() -> None:
            try:
                run_runner()
            except Exception as exc:
                log_unexpected(log, exc, f"local instance of {run.id} failed to boot")
                power_off()  # as a real instance's user data powers off on any error

        def run_runner() -> None:
            booted = time.monotonic() + self.boot_seconds
            while time.monotonic() < booted and run.id not in self._stopped:
                time.sleep(0.05)  # a termination during boot ends it at once
            script = workdir / "runner.py"
            self.records.download(run.id, protocol.RUNNER_KEY, script)
            if expected is None or hashlib.sha256(script.read_bytes()).hexdigest() != expected:
                log.warning("ucdh-jupyter: run %s: runner checksum mismatch, not run", run.id)
                status = json.dumps(checksum_failure_status(str(iso(utcnow())))).encode()
                self.records.put(run.id, protocol.STATUS_KEY, status, "application/json")
                power_off()
                return
            process = self._spawn(run, env, workdir, script)
            if process is None:
                power_off()  # terminated while booting: the runner never starts
                return
            code = process.wait()
            log.info("ucdh-jupyter: local runner of %s exited %s", run.id, code)
            # A runner we stopped ourselves may die of that SIGTERM before it can
            # report: that is the stop working, not a failure worth a warning.
            stopped = run.id in self._stopped and code == -signal.SIGTERM
            ok = (protocol.EXIT_OK, protocol.EXIT_NOTEBOOK_ERROR, protocol.EXIT_STOPPED)
            if code not in ok and not stopped:
                # Its console may hold notebook output: the run's own log in S3 has it.
                log.warning("ucdh-jupyter: local runner of %s failed (exit %s)", run.id, code)
            power_off()

        thread = threading.Thread(target=boot, name=f"ucdh-local-run-{run.id}", daemon=True)
        with self._lock:
            self._threads[run.id] = thread
        thread.start()

    def _spawn(
        self, run: Run, env: dict[str, str], workdir: Path, script: Path
    ) -> subprocess.Popen[bytes] | None:
        """Start the runner script as the instance would, and remember its process;
        None when the instance was terminated while it booted."""
        # The server's own environment is the "instance": installing the notebook's
        # requirements into it would change the researcher's Jupyter, so it is skipped.
        full_env = {
            **os.environ,
            **env,
            "UCDH_WORKDIR": str(workdir / "work"),
            "UCDH_SKIP_INSTALL": "1",
        }
        full_env.pop("UCDH_SHUTDOWN_WHEN_DONE", None)
        with self._lock, (workdir / "console.log").open("wb") as console:
            if run.id in self._stopped:
                return None
            process = subprocess.Popen(  # noqa: S603 - our own script, checksum verified
                [sys.executable, str(script)],
                env=full_env,
                stdout=console,
                stderr=subprocess.STDOUT,
                cwd=str(workdir),
            )
            self._processes[run.id] = process
        return process

    def stop(self, run_id: str) -> None:
        """SIGTERM the run's runner, as the shutdown of a real instance would."""
        with self._lock:
            process = self._processes.get(run_id)
            if process is None and run_id in self._threads:
                self._stopped.add(run_id)  # still booting: it will not start the runner
        if process is not None and process.poll() is None:
            self._stopped.add(run_id)
            process.send_signal(signal.SIGTERM)

    def wait(self, run_id: str, timeout: float | None = None) -> None:
        """Wait until the run's runner has exited and its instance is terminated."""
        with self._lock:
            thread = self._threads.get(run_id)
        if thread is not None:
            thread.join(timeout)

    def running(self) -> list[str]:
        """Ids of runs whose runner is still executing."""
        with self._lock:
            return [run_id for run_id, proc in self._processes.items() if proc.poll() is None]

    def stop_all(self) -> None:
        """Stop every runner; each saves its partial output.

        Not called at server shutdown: real instances outlive the Jupyter server, and
        the restarted server follows them again; so do these subprocesses.
        """
        for run_id in self.running():
            self.stop(run_id)
