"""The local stand-in of a run's EC2 instance (``mode='local'`` only: demo and tests).

Local AWS (moto) creates the instance but never boots it. So, after RunInstances, this
reads back the user data the instance received (DescribeInstanceAttribute) and executes
it unchanged with bash, as cloud-init would: in a private folder that plays ``/``
(``UCDH_INSTANCE_ROOT``), with the real AWS CLI against the local AWS, a real venv and
a real ``pip``; only ``dnf`` and ``shutdown`` are stand-ins that record what they are
asked (``dnf`` installs the interpreters the :class:`InstanceImage` offers). The
machine has no internet: every connection except to 127.0.0.1 goes to a closed proxy,
so a package source that is not local fails as it would in a private subnet. Its
console (cloud-init's log) is ``var/log/cloud-init-output.log`` under the root.

The armed ``shutdown -h +MINUTES`` is honoured: the machine is powered off after that
many minutes (``minute_seconds`` each), as is one whose instance is terminated (cancel,
reaper, backstop): SIGTERM to the boot script's processes, as a shutdown does. When
the script ends, the instance is terminated (``InstanceInitiatedShutdownBehavior``).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import UcdhConfig
from ..errors import log_unexpected
from ..runs.model import Run
from .localimage import baked_runner_venv, host_pythons, host_tools

log = logging.getLogger(__name__)

# No internet: a proxy nobody listens on (port 9, discard), local addresses excepted.
CLOSED_PROXY = "http://127.0.0.1:9"
USER_DATA = "var/lib/cloud/instance/user-data.txt"
_ARMED = re.compile(r"^-h \+(\d+)$", re.MULTILINE)

DNF = r"""#!/bin/bash
# Stand-in for dnf: records the call; installs only what the image offers.
echo "dnf $*" >>"$UCDH_INSTANCE_ROOT/var/log/dnf.log"
if [ -e "$UCDH_INSTANCE_ROOT/image/repos-unreachable" ]; then
  echo "Error: Failed to download metadata for repo 'amazonlinux': Cannot download repomd.xml" >&2
  exit 1
fi
[ "$1" = install ] || exit 0
for package in "$@"; do
  case "$package" in -*|install|*-pip) continue ;; esac
  offered="$UCDH_INSTANCE_ROOT/image/offers/$package"
  if [ ! -e "$offered" ]; then
    echo "Error: Unable to find a match: $package" >&2
    exit 1
  fi
  ln -sf "$(readlink "$offered")" "$UCDH_INSTANCE_ROOT/usr/bin/$package"
done
"""

SHUTDOWN = r"""#!/bin/bash
# Stand-in for shutdown: records the call; only root may cancel one.
if [ "$1" = -c ] && [ "$(id -u)" != 0 ]; then
  echo "Failed to cancel shutdown: Access denied" >&2
  exit 1
fi
echo "$*" >>"$UCDH_INSTANCE_ROOT/var/log/shutdown.log"
"""


@dataclass
class InstanceImage:
    """What the stand-in machine's image has and can get.

    ``pythons``: interpreters ``dnf install python3.X`` can install (minor → path);
    ``preinstalled``: minors present from the start besides ``python3``;
    ``baked``: the runner's venv is in the image already (as an administrator may bake
    it into an AMI), which spares the tests a full install per run;
    ``nvidia_smi``: the script of the image's GPU driver tool (None: no driver at all).
    """

    pythons: dict[str, str] = field(default_factory=host_pythons)
    preinstalled: tuple[str, ...] = ()
    repos_reachable: bool = True
    baked: bool = True
    nvidia_smi: str | None = None


@dataclass
class Machine:
    """One booted stand-in instance."""

    run_id: str
    instance_id: str
    root: Path
    thread: threading.Thread
    process: subprocess.Popen[bytes] | None = None
    powered_off: threading.Event = field(default_factory=threading.Event)

    @property
    def console(self) -> Path:
        """cloud-init's output log: everything the boot script printed."""
        return self.root / "var/log/cloud-init-output.log"

    def recorded(self, tool: str) -> list[str]:
        """The calls made to a stand-in (``shutdown``, ``dnf``), one per line."""
        path = self.root / f"var/log/{tool}.log"
        return path.read_text().splitlines() if path.exists() else []


class LocalInstances:
    """Stand-in instances by run id."""

    def __init__(self, config: UcdhConfig, ec2: Callable[[], Any]) -> None:
        if config.mode != "local":
            raise ValueError("local instances only exist in mode='local'")
        self.config = config
        self.ec2 = ec2
        self.image = InstanceImage(baked=bool(config.runs_local_image_baked))
        self.boot_seconds = float(config.runs_local_boot_seconds)
        self.minute_seconds = 60.0
        # The image's python3: this host's own minor version (the runner's tested one).
        self.system = f"{sys.version_info[0]}.{sys.version_info[1]}"
        self.keep_roots = False
        self._lock = threading.Lock()
        self._machines: dict[str, Machine] = {}

    def start(self, run: Run, terminate: Callable[[list[str]], None]) -> None:
        """Boot the run's instance: execute the user data RunInstances received."""
        instance_id = str(run.instance_id)
        reply = self.ec2().describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
        script = base64.b64decode(reply["UserData"]["Value"]).decode()
        root = Path(tempfile.mkdtemp(prefix=f"ucdh-instance-{run.id}-"))
        root.chmod(0o755)  # the notebook's user must reach /opt/ucdh-run
        self._prepare(root, script)
        thread = threading.Thread(
            target=self._boot,
            args=(run.id, instance_id, root, terminate),
            name=f"ucdh-instance-{run.id}",
            daemon=True,
        )
        with self._lock:
            self._machines[run.id] = Machine(run.id, instance_id, root, thread)
        thread.start()

    def _prepare(self, root: Path, script: str) -> None:
        """The machine's disk: the image's tools, interpreters and user data."""
        for folder in ("usr/bin", "standins", "var/log", "var/lib/cloud/instance", "image"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        (root / USER_DATA).write_text(script)
        standins = {"dnf": DNF, "shutdown": SHUTDOWN}
        if self.image.nvidia_smi is not None:
            standins["nvidia-smi"] = self.image.nvidia_smi
        for name, body in standins.items():
            path = root / "standins" / name
            path.write_text(body)
            path.chmod(0o755)
        offers = root / "image/offers"
        offers.mkdir()
        for minor, interpreter in self.image.pythons.items():
            (offers / f"python{minor}").symlink_to(interpreter)
        (root / "usr/bin/python3").symlink_to(self.image.pythons[self.system])
        for minor in self.image.preinstalled:
            (root / f"usr/bin/python{minor}").symlink_to(self.image.pythons[minor])
        aws = Path(sys.executable).parent / "aws"
        (root / "usr/bin/aws").symlink_to(aws)
        if not self.image.repos_reachable:
            (root / "image/repos-unreachable").touch()

    def _bake(self, root: Path) -> None:
        """Put the runner's venv into the image (hard links to a shared template)."""
        script = (root / USER_DATA).read_text()
        exports = script[script.index("\nexport ") : script.index("\nSSE=(")]
        exported = subprocess.run(  # noqa: S603 - evaluates the script's own exports
            ["bash", "-c", 'eval "$1"; printf "%s\\0%s" "$UCDH_PYTHON" "$UCDH_RUNNER_PINS"',  # noqa: S607
             "bash", exports],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        python, pins = exported.split("\0")
        minor = python.removeprefix("python")
        # Baked for the Python the run wants, when the image has it (else the boot fails).
        interpreter = self.image.pythons.get(minor if minor != "3" else self.system)
        wheelhouse = self.config.runs_wheelhouse
        if not (interpreter and pins and wheelhouse):
            return  # nothing to bake with: the boot installs for real
        template = baked_runner_venv(interpreter, pins.splitlines(), Path(wheelhouse))
        venv = root / "opt/ucdh-run/venv"
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-al", str(template), str(venv)], check=True)  # noqa: S603, S607
        (venv / "ucdh-runner-env").write_text(f"{python} {pins}\n")
        # The template's scripts name its own interpreter; the copy's pip must be its own.
        pip = venv / "bin/pip"
        pip.unlink()
        pip.write_text(f'#!/bin/bash\nexec "{venv}/bin/python" -m pip "$@"\n')
        pip.chmod(0o755)

    def _environment(self, root: Path) -> dict[str, str]:
        """A fresh machine's environment: nothing of the server's, no internet."""
        path = [root / "standins", root / "usr/bin", host_tools(), "/usr/sbin", "/sbin"]
        return {
            "PATH": os.pathsep.join(str(folder) for folder in path),
            "HOME": str(root / "root"),
            "LANG": "C.UTF-8",
            "UCDH_INSTANCE_ROOT": str(root),
            # The instance profile's credentials (local AWS accepts any).
            "AWS_ACCESS_KEY_ID": "instance-profile",
            "AWS_SECRET_ACCESS_KEY": "instance-profile",
            "PIP_CONFIG_FILE": os.devnull,
            "http_proxy": CLOSED_PROXY,
            "https_proxy": CLOSED_PROXY,
            "no_proxy": "127.0.0.1,localhost",
        }

    def _boot(
        self, run_id: str, instance_id: str, root: Path, terminate: Callable[[list[str]], None]
    ) -> None:
        machine = self._machines[run_id]
        try:
            machine.powered_off.wait(self.boot_seconds)  # the OS boots first
            if self.image.baked:
                try:
                    self._bake(root)
                except (OSError, subprocess.CalledProcessError) as exc:
                    # An image without it: the boot script installs for real.
                    log.info("ucdh-jupyter: local image of %s not baked (%s)", run_id, exc)
            with machine.console.open("wb") as console, self._lock:
                if machine.powered_off.is_set():
                    return  # terminated before it booted
                machine.process = subprocess.Popen(  # noqa: S603 - the run's own user data
                    ["bash", str(root / USER_DATA)],  # noqa: S607 - as cloud-init does
                    env=self._environment(root),
                    stdin=subprocess.DEVNULL,
                    stdout=console,
                    stderr=subprocess.STDOUT,
                    cwd=str(root),
                    start_new_session=True,
                )
            self._honour_armed_shutdown(machine)
            code = machine.process.wait()
            log.info("ucdh-jupyter: local instance of %s: boot script exited %s", run_id, code)
            self._wait_for_the_rest(machine.process.pid)
        except Exception as exc:
            log_unexpected(log, exc, f"local instance of {run_id} failed to boot")
        finally:
            machine.powered_off.set()
            try:
                terminate([instance_id])  # shutting down terminates the instance
            except Exception as exc:
                log_unexpected(log, exc, f"could not terminate {instance_id}")
            if not self.keep_roots:
                shutil.rmtree(root, ignore_errors=True)

    @staticmethod
    def _wait_for_the_rest(group: int, grace: float = 90.0) -> None:
        """A machine powers off once its processes have ended, or are killed after the
        grace period, as systemd does at shutdown."""
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)

    def _honour_armed_shutdown(self, machine: Machine) -> None:
        """Power the machine off when its armed ``shutdown -h +MINUTES`` comes due."""

        def watch() -> None:
            minutes = None
            while minutes is None and not machine.powered_off.wait(0.05):
                found = _ARMED.search("\n".join(machine.recorded("shutdown")))
                minutes = int(found.group(1)) if found else None
            if minutes is not None and not machine.powered_off.wait(minutes * self.minute_seconds):
                log.info("ucdh-jupyter: local instance of %s: armed shutdown", machine.run_id)
                self._power_off(machine)

        threading.Thread(target=watch, name=f"ucdh-shutdown-{machine.run_id}", daemon=True).start()

    def _power_off(self, machine: Machine) -> None:
        """SIGTERM every process of the boot script, as a shutdown does."""
        process = machine.process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)

    def stop(self, run_id: str) -> None:
        """The instance was terminated: shut the machine down."""
        with self._lock:
            machine = self._machines.get(run_id)
            if machine is None:
                return
            if machine.process is None:
                machine.powered_off.set()
                return
        self._power_off(machine)

    def stop_instances(self, instance_ids: list[str]) -> None:
        """These instances were terminated: shut their machines down."""
        with self._lock:
            runs = [m.run_id for m in self._machines.values() if m.instance_id in instance_ids]
        for run_id in runs:
            self.stop(run_id)

    def machine(self, run_id: str) -> Machine | None:
        """The stand-in instance of a run, if one was booted here."""
        with self._lock:
            return self._machines.get(run_id)

    def wait(self, run_id: str, timeout: float | None = None) -> None:
        """Wait until the run's machine has powered off and its instance is terminated."""
        machine = self.machine(run_id)
        if machine is not None:
            machine.thread.join(timeout)

    def running(self) -> list[str]:
        """Ids of runs whose machine is still up."""
        with self._lock:
            return [
                run_id for run_id, machine in self._machines.items() if machine.thread.is_alive()
            ]

    def stop_all(self) -> None:
        """Shut every machine down (each saves its partial output first).

        Not called at server shutdown: real instances outlive the Jupyter server, and
        the restarted server follows them again; so do these machines.
        """
        for run_id in self.running():
            self.stop(run_id)
