"""One local stand-in machine (``mode='local'`` only: demo and tests): what a run's EC2
instance and an AWS Batch container have in common here.

A private folder plays ``/`` (``UCDH_INSTANCE_ROOT``) with the image's tools: the real
AWS CLI against the local AWS, real Pythons, venvs and ``pip``; only ``dnf`` and
``shutdown`` are stand-ins that record what they are asked (``dnf`` installs the
interpreters the :class:`InstanceImage` offers). The machine has no internet: every
connection except to 127.0.0.1 goes to a closed proxy, so a package source that is not
local fails as it would in a private subnet. Its credentials are throw-away ones (the
local AWS accepts any), standing in for an instance profile or a job role.

:mod:`.instance` boots EC2 user data on one, :mod:`.batch` runs a Batch job's command.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .localimage import baked_runner_venv, host_pythons, host_tools

# No internet: a proxy nobody listens on (port 9, discard), local addresses excepted.
CLOSED_PROXY = "http://127.0.0.1:9"

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


def system_python() -> str:
    """The image's ``python3``: this host's own minor version (the runner's tested one)."""
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


@dataclass
class InstanceImage:
    """What the stand-in machine's image has and can get.

    ``pythons``: interpreters ``dnf install python3.X`` can install (minor → path);
    ``preinstalled``: minors present from the start besides ``python3``;
    ``baked``: the runner's venv is in the image already (as an administrator may bake
    it into an AMI or a container image), which spares the tests a full install per run;
    ``nvidia_smi``: the script of the image's GPU driver tool (None: no driver at all);
    ``system``: the minor version of its ``python3``.
    """

    pythons: dict[str, str] = field(default_factory=host_pythons)
    preinstalled: tuple[str, ...] = ()
    repos_reachable: bool = True
    baked: bool = True
    nvidia_smi: str | None = None
    system: str = field(default_factory=system_python)


class LocalMachine:
    """A private root with the image's tools, and the process group running on it.

    ``console``: the file the machine's output goes to (cloud-init's log on an instance,
    the container's log stream on Batch), relative to the root.
    """

    def __init__(
        self,
        prefix: str,
        image: InstanceImage,
        console: str = "var/log/cloud-init-output.log",
        endpoint_url: str | None = None,
    ) -> None:
        self.image = image
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        self.root.chmod(0o755)  # the notebook's user must reach /opt/ucdh-run
        self.console = self.root / console
        self.endpoint_url = endpoint_url
        self.process: subprocess.Popen[bytes] | None = None
        self.powered_off = threading.Event()
        self._lock = threading.Lock()
        self._prepare()

    def _prepare(self) -> None:
        """The machine's disk: the image's tools and interpreters."""
        root = self.root
        for folder in ("usr/bin", "standins", "var/log", "var/lib/cloud/instance", "image"):
            (root / folder).mkdir(parents=True, exist_ok=True)
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
        (root / "usr/bin/python3").symlink_to(self.image.pythons[self.image.system])
        for minor in self.image.preinstalled:
            (root / f"usr/bin/python{minor}").symlink_to(self.image.pythons[minor])
        aws = Path(sys.executable).parent / "aws"
        (root / "usr/bin/aws").symlink_to(aws)
        if not self.image.repos_reachable:
            (root / "image/repos-unreachable").touch()

    def recorded(self, tool: str) -> list[str]:
        """The calls made to a stand-in (``shutdown``, ``dnf``), one per line."""
        path = self.root / f"var/log/{tool}.log"
        return path.read_text().splitlines() if path.exists() else []

    def bake(self, python: str, pins: list[str], wheelhouse: str | None) -> None:
        """Put the runner's venv for ``python`` (``python3.X`` or ``python3``) and
        ``pins`` into the image (hard links to a shared template), when the image has
        that Python (else the boot fails as on AWS) and there is a wheelhouse."""
        minor = python.removeprefix("python")
        interpreter = self.image.pythons.get(minor if minor != "3" else self.image.system)
        if not (interpreter and pins and wheelhouse):
            return  # nothing to bake with: the boot installs for real
        template = baked_runner_venv(interpreter, pins, Path(wheelhouse))
        venv = self.root / "opt/ucdh-run/venv"
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-al", str(template), str(venv)], check=True)  # noqa: S603, S607
        (venv / "ucdh-runner-env").write_text(f"{python} {chr(10).join(pins)}\n")
        # The template's scripts name its own interpreter; the copy's pip must be its own.
        pip = venv / "bin/pip"
        pip.unlink()
        pip.write_text(f'#!/bin/bash\nexec "{venv}/bin/python" -m pip "$@"\n')
        pip.chmod(0o755)

    def environment(self) -> dict[str, str]:
        """A fresh machine's environment: nothing of the server's, no internet."""
        root = self.root
        path = [root / "standins", root / "usr/bin", host_tools(), "/usr/sbin", "/sbin"]
        env = {
            "PATH": os.pathsep.join(str(folder) for folder in path),
            "HOME": str(root / "root"),
            "LANG": "C.UTF-8",
            "UCDH_INSTANCE_ROOT": str(root),
            # The instance profile's or job role's credentials (local AWS accepts any).
            "AWS_ACCESS_KEY_ID": "instance-profile",
            "AWS_SECRET_ACCESS_KEY": "instance-profile",
            "PIP_CONFIG_FILE": os.devnull,
            "http_proxy": CLOSED_PROXY,
            "https_proxy": CLOSED_PROXY,
            "no_proxy": "127.0.0.1,localhost",
        }
        if self.endpoint_url:
            # This machine's only "AWS" is the local one, as a real one's is its region's.
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        return env

    def execute(self, argv: list[str], env: dict[str, str]) -> bool:
        """Start ``argv`` as the machine's process group with its environment updated
        by ``env``, output to the console; False when the machine is powered off."""
        with self.console.open("ab") as console, self._lock:
            if self.powered_off.is_set():
                return False
            self.process = subprocess.Popen(  # noqa: S603 - the machine's own script
                argv,
                env={**self.environment(), **env},
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                cwd=str(self.root),
                start_new_session=True,
            )
        return True

    def signal(self, signum: int) -> None:
        """Signal every process of the machine's process group (SIGTERM: a shutdown)."""
        with self._lock:
            process = self.process
            if process is None:
                self.powered_off.set()  # never started: it never will
                return
        if process.poll() is None or signum == signal.SIGKILL:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signum)

    def wait_for_the_rest(self, grace: float = 90.0) -> None:
        """A machine powers off once its processes have ended, or are killed after the
        grace period, as systemd does at shutdown."""
        if self.process is None:
            return
        group = self.process.pid
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)

    def discard(self) -> None:
        """Powered off for good: its disk goes."""
        self.powered_off.set()
        shutil.rmtree(self.root, ignore_errors=True)
