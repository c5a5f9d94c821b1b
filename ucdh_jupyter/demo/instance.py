"""The local stand-in of a run's EC2 instance (``mode='local'`` only: demo and tests).

Local AWS (moto) creates the instance but never boots it. So, after RunInstances, this
reads back the user data the instance received (DescribeInstanceAttribute) and executes
it unchanged with bash, as cloud-init would, on a :class:`~.machine.LocalMachine` (a
private root with the image's tools, no internet). Its console (cloud-init's log) is
``var/log/cloud-init-output.log`` under the root.

The armed ``shutdown -h +MINUTES`` is honoured: the machine is powered off after that
many minutes (``minute_seconds`` each), as is one whose instance is terminated (cancel,
reaper, backstop): SIGTERM to the boot script's processes, as a shutdown does. When
the script ends, the instance is terminated (``InstanceInitiatedShutdownBehavior``).
"""

from __future__ import annotations

import base64
import logging
import re
import signal
import subprocess
import threading
from collections.abc import Callable
from typing import Any

from ..config import UcdhConfig
from ..errors import log_unexpected
from ..runs.model import Run
from .machine import CLOSED_PROXY, InstanceImage, LocalMachine

__all__ = ["CLOSED_PROXY", "InstanceImage", "LocalInstances", "Machine"]

log = logging.getLogger(__name__)

USER_DATA = "var/lib/cloud/instance/user-data.txt"
_ARMED = re.compile(r"^-h \+(\d+)$", re.MULTILINE)


class Machine(LocalMachine):
    """One booted stand-in instance."""

    def __init__(self, run_id: str, instance_id: str, image: InstanceImage) -> None:
        super().__init__(f"ucdh-instance-{run_id}-", image)
        self.run_id = run_id
        self.instance_id = instance_id
        self.thread = threading.Thread(name=f"ucdh-instance-{run_id}", daemon=True)


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
        self.keep_roots = False
        self._lock = threading.Lock()
        self._machines: dict[str, Machine] = {}

    def start(self, run: Run, terminate: Callable[[list[str]], None]) -> None:
        """Boot the run's instance: execute the user data RunInstances received."""
        instance_id = str(run.instance_id)
        reply = self.ec2().describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
        script = base64.b64decode(reply["UserData"]["Value"]).decode()
        machine = Machine(run.id, instance_id, self.image)
        (machine.root / USER_DATA).write_text(script)
        machine.thread = threading.Thread(
            target=self._boot,
            args=(machine, terminate),
            name=f"ucdh-instance-{run.id}",
            daemon=True,
        )
        with self._lock:
            self._machines[run.id] = machine
        machine.thread.start()

    def _bake(self, machine: Machine) -> None:
        """Put the runner's venv into the image, for the Python and pins the user data
        exports."""
        script = (machine.root / USER_DATA).read_text()
        exports = script[script.index("\nexport ") : script.index("\nSSE=(")]
        exported = subprocess.run(  # noqa: S603 - evaluates the script's own exports
            ["bash", "-c", 'eval "$1"; printf "%s\\0%s" "$UCDH_PYTHON" "$UCDH_RUNNER_PINS"',  # noqa: S607
             "bash", exports],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        python, pins = exported.split("\0")
        machine.bake(python, pins.splitlines(), self.config.runs_wheelhouse)

    def _boot(self, machine: Machine, terminate: Callable[[list[str]], None]) -> None:
        run_id = machine.run_id
        try:
            machine.powered_off.wait(self.boot_seconds)  # the OS boots first
            if self.image.baked:
                try:
                    self._bake(machine)
                except (OSError, subprocess.CalledProcessError) as exc:
                    # An image without it: the boot script installs for real.
                    log.info("ucdh-jupyter: local image of %s not baked (%s)", run_id, exc)
            # As cloud-init does: the run's own user data.
            if not machine.execute(["bash", str(machine.root / USER_DATA)], {}):
                return  # terminated before it booted
            assert machine.process is not None
            self._honour_armed_shutdown(machine)
            code = machine.process.wait()
            log.info("ucdh-jupyter: local instance of %s: boot script exited %s", run_id, code)
            machine.wait_for_the_rest()
        except Exception as exc:
            log_unexpected(log, exc, f"local instance of {run_id} failed to boot")
        finally:
            machine.powered_off.set()
            try:
                terminate([machine.instance_id])  # shutting down terminates the instance
            except Exception as exc:
                log_unexpected(log, exc, f"could not terminate {machine.instance_id}")
            if not self.keep_roots:
                machine.discard()

    def _honour_armed_shutdown(self, machine: Machine) -> None:
        """Power the machine off when its armed ``shutdown -h +MINUTES`` comes due."""

        def watch() -> None:
            minutes = None
            while minutes is None and not machine.powered_off.wait(0.05):
                found = _ARMED.search("\n".join(machine.recorded("shutdown")))
                minutes = int(found.group(1)) if found else None
            if minutes is not None and not machine.powered_off.wait(minutes * self.minute_seconds):
                log.info("ucdh-jupyter: local instance of %s: armed shutdown", machine.run_id)
                machine.signal(signal.SIGTERM)

        threading.Thread(target=watch, name=f"ucdh-shutdown-{machine.run_id}", daemon=True).start()

    def stop(self, run_id: str) -> None:
        """The instance was terminated: shut the machine down (SIGTERM to every process
        of the boot script, as a shutdown does)."""
        with self._lock:
            machine = self._machines.get(run_id)
        if machine is not None:
            machine.signal(signal.SIGTERM)

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
