"""The EC2 boot path as a real instance executes it: the user data RunInstances received,
run unchanged by the local stand-in instance (bash, the real AWS CLI against the local
AWS, a real venv and pip, no internet; ``dnf`` and ``shutdown`` recorded).

Most tests boot an image with the runner's venv baked in; the ones about installing
boot a stock image, which creates the venv and pip-installs like a fresh Amazon Linux.
"""

from __future__ import annotations

import base64
import functools
import http.server
import os
import re
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from ucdh_jupyter.demo.ec2 import LocalEc2Backend
from ucdh_jupyter.demo.instance import LocalInstances, Machine
from ucdh_jupyter.demo.localimage import host_pythons
from ucdh_jupyter.demo.wheelhouse import wheelhouse
from ucdh_jupyter.runs import runner as protocol
from ucdh_jupyter.runs.model import FailureKind, Run, RunState
from ucdh_jupyter.runs.service import RunService

from ..patience import patient
from .conftest import RUNS_BUCKET
from .helpers import outputs_text, submit, wait_for, write_notebook

DEMO_NOTEBOOKS = Path(__file__).parents[3] / "ucdh_jupyter" / "demo" / "notebooks"
# A full install on a stock image takes a while (a quiet machine's figure: wait_for stretches it).
INSTALL_TIMEOUT = 90


@pytest.fixture
def instances(run_service: RunService) -> Iterator[LocalInstances]:
    """The stand-in instances, whose disks are kept for the test to look at."""
    backend = run_service.backend("ec2")
    assert isinstance(backend, LocalEc2Backend)
    backend.local.keep_roots = True
    yield backend.local
    for machine in list(backend.local._machines.values()):
        backend.local.wait(machine.run_id, timeout=patient(60))
        shutil.rmtree(machine.root, ignore_errors=True)


def _machine(instances: LocalInstances, run: Run) -> Machine:
    machine = instances.machine(run.id)
    assert machine is not None
    instances.wait(run.id, timeout=patient(60))
    return machine


def _s3_text(s3: Any, run: Run, relative: str) -> str:
    body = s3.get_object(Bucket=RUNS_BUCKET, Key=run.prefix + relative)["Body"].read()
    return str(body.decode())


def _executed(s3: Any, run: Run) -> str:
    return outputs_text(nbformat.reads(_s3_text(s3, run, protocol.OUTPUT_KEY), as_version=4))


def _done(service: RunService, run: Run, timeout: float = 60) -> Run:
    return wait_for(service, run.id, lambda r: r.final, timeout=timeout)


UNPRIVILEGED = (
    "import os, subprocess\n"
    "print('uid', os.geteuid())\n"
    "cancel = subprocess.run(['shutdown', '-c'], capture_output=True, text=True)\n"
    "print('cancel exit', cancel.returncode)\n"
    "print('OUTPUT-ONLY-IN-THE-RUN-LOG-7f3a')"
)


def test_stock_image_boots_installs_from_the_wheel_cache_and_runs_the_notebook_unprivileged(
    run_settings: dict[str, Any], run_service: RunService, workspace: Path, s3: Any, ec2: Any,
    instances: LocalInstances,
) -> None:  # fmt: skip
    # Given a stock image (no runner venv, no python3.11 until dnf installs it), packages
    # only from the S3 wheel cache the server fills, and a notebook that looks around
    run_service.config.runs_wheel_cache = True
    instances.image.baked = False
    write_notebook(workspace / "study" / "whoami.ipynb", UNPRIVILEGED)
    # When it is submitted and followed to its end
    run = submit(run_service, workspace, "whoami.ipynb")
    done = _done(run_service, run, timeout=INSTALL_TIMEOUT)
    machine = _machine(instances, run)
    # Then it succeeded on the kernel's Python, installed by dnf, in a venv made at boot
    assert done.state is RunState.SUCCEEDED, done.failure_message
    assert machine.recorded("dnf") == ["dnf install -y -q python3.11 python3.11-pip"]
    assert (machine.root / "opt/ucdh-run/venv/pyvenv.cfg").exists()
    console = machine.console.read_text()
    assert "the image has the runner's environment" not in console
    # from the wheels the server cached for it (the machine has no internet)
    cached = s3.list_objects_v2(Bucket=RUNS_BUCKET, Prefix=run_settings["runs_prefix"] + "wheels/")
    assert any(item["Key"].endswith(".whl") for item in cached.get("Contents", []))
    # and the shutdown was armed first with the max runtime, and done last
    assert machine.recorded("shutdown") == ["-h +120", "-h now"]
    # and the notebook ran as another user than root, who could not cancel the shutdown
    text = _executed(s3, done)
    assert "uid 0" not in text and re.search(r"uid \d+", text)
    assert re.search(r"cancel exit [1-9]", text)
    # and its output is in the run's log, never on the console or in the boot log
    assert "OUTPUT-ONLY-IN-THE-RUN-LOG-7f3a" in _s3_text(s3, done, protocol.LOG_KEY)
    boot_log = _s3_text(s3, done, protocol.BOOT_LOG_KEY)
    assert "OUTPUT-ONLY-IN-THE-RUN-LOG-7f3a" not in console + boot_log
    # and the boot log reached S3 before the power-off
    assert "powering off" in boot_log
    # and the machine found the local AWS through the endpoint its user data exports
    raw = ec2.describe_instance_attribute(InstanceId=done.instance_id, Attribute="userData")
    script = base64.b64decode(raw["UserData"]["Value"]).decode()
    assert f"export AWS_ENDPOINT_URL={run_settings['endpoint_url']}" in script


def test_a_failing_cell_fails_the_run_and_the_machine_still_uploads_its_boot_log(
    run_service: RunService, workspace: Path, s3: Any, instances: LocalInstances
) -> None:
    # Given a notebook whose second cell raises
    run = submit(run_service, workspace, "failing.ipynb")
    # When it runs
    done = _done(run_service, run)
    # Then the run failed on that cell, with the output before it
    assert done.state is RunState.FAILED
    assert done.failure_kind is FailureKind.NOTEBOOK_ERROR
    assert "ZeroDivisionError" in (done.failure_message or "")
    assert done.failing_cell == 2
    assert "before the error" in _executed(s3, done)
    # and the exit trap still uploaded the boot log and powered the machine off
    machine = _machine(instances, run)
    assert "powering off" in _s3_text(s3, done, protocol.BOOT_LOG_KEY)
    assert machine.recorded("shutdown")[-1] == "-h now"


def test_a_package_the_source_does_not_have_fails_the_run_naming_it(
    run_service: RunService, workspace: Path, tmp_path: Path, instances: LocalInstances
) -> None:
    # Given the wheel cache, a configured CA bundle, and a requirements file asking for a
    # package no index has
    run_service.config.runs_wheel_cache = True
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nMIIFAKE\n-----END CERTIFICATE-----\n")
    run_service.config.ca_bundle = str(bundle)
    (workspace / "study" / "requirements.txt").write_text("no-such-package-ucdh==1.0\n")
    # When the run starts
    run = submit(run_service, workspace, "analysis.ipynb", files=["data"])
    done = _done(run_service, run)
    # Then it failed while installing, naming the package
    assert done.state is RunState.FAILED
    assert done.failure_kind is FailureKind.STAGING
    assert "no-such-package-ucdh" in (done.failure_message or "")
    # and the machine had the administrator's CA bundle for its AWS calls
    machine = _machine(instances, run)
    assert (machine.root / "opt/ucdh-run/ca-bundle.pem").read_text() == bundle.read_text()


def test_a_runner_missing_from_s3_fails_the_run_with_the_cause_and_a_readable_boot_log(
    run_settings: dict[str, Any], run_service: RunService, workspace: Path, s3: Any,
    instances: LocalInstances,
) -> None:  # fmt: skip
    # Given a machine that takes 2 s to boot, and the runner deleted meanwhile
    instances.boot_seconds = 2.0
    run = submit(run_service, workspace, "analysis.ipynb")
    s3.delete_object(Bucket=RUNS_BUCKET, Key=run.prefix + protocol.RUNNER_KEY)
    # When the machine boots
    done = _done(run_service, run)
    # Then the run failed before any notebook ran, saying why
    assert done.state is RunState.FAILED
    assert done.failure_kind is FailureKind.INFRASTRUCTURE
    assert "Could not fetch the runner script" in (done.failure_message or "")
    # and its boot log is readable, with the AWS CLI's own words
    machine = _machine(instances, run)
    log = run_service.records.tail(run.id, protocol.BOOT_LOG_KEY)
    assert log is not None and "Could not fetch the runner script" in log.text
    listed = s3.list_objects_v2(Bucket=RUNS_BUCKET, Prefix=run.prefix + "output/notebook")
    assert not listed.get("Contents")
    assert machine.recorded("shutdown")[-1] == "-h now"


def test_the_armed_shutdown_powers_the_machine_off_at_its_max_runtime_keeping_the_output(
    run_service: RunService, workspace: Path, s3: Any, instances: LocalInstances
) -> None:
    # Given a 3-minute max runtime, minutes that last 8 s, and a 60 s notebook (a machine
    # powered off before its runner starts reports a failed start-up instead, which is
    # right: 24 s leaves a loaded test machine time to reach the notebook)
    instances.minute_seconds = 8.0
    run = submit(run_service, workspace, "slow.ipynb", max_hours=0.05)
    # When the armed shutdown comes due while the notebook sleeps
    done = _done(run_service, run)
    machine = _machine(instances, run)
    # Then it had been armed first, with the run's 3 minutes
    assert machine.recorded("shutdown")[0] == "-h +3"
    # and the run ended as a shutdown with its output so far
    assert done.state is RunState.FAILED
    assert done.failure_kind is FailureKind.INFRASTRUCTURE
    assert "shut down while the notebook ran" in (done.failure_message or "")
    partial = _s3_text(s3, done, protocol.PARTIAL_KEY)
    assert "started" in outputs_text(nbformat.reads(partial, as_version=4))


def test_a_runner_that_dies_without_reporting_is_a_failure_not_a_success(
    run_service: RunService, workspace: Path, instances: LocalInstances
) -> None:
    # Given a running notebook
    run = submit(run_service, workspace, "slow.ipynb")
    wait_for(run_service, run.id, lambda r: r.state is RunState.RUNNING)
    machine = instances.machine(run.id)
    assert machine is not None
    # When its runner is killed outright (the out-of-memory killer, say)
    runner = str(machine.root / "opt/ucdh-run/runner.py")
    pids = [
        int(entry) for entry in os.listdir("/proc") if entry.isdigit() and runner in _cmdline(entry)
    ]
    assert pids
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    # Then the run failed, saying the machine's start-up stopped while the notebook ran
    done = _done(run_service, run)
    assert done.state is RunState.FAILED
    assert done.failure_kind is FailureKind.INFRASTRUCTURE
    assert "while running the notebook" in (done.failure_message or "")


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_no_internet_and_no_package_source_is_reported_as_an_unreachable_index(
    run_service: RunService, workspace: Path, instances: LocalInstances
) -> None:
    # Given a stock image, no package source configured (the public PyPI), no internet
    instances.image.baked = False
    # When a run boots
    run = submit(run_service, workspace, "analysis.ipynb")
    done = _done(run_service, run, timeout=INSTALL_TIMEOUT)
    # Then it failed saying the package index is unreachable, and which one
    assert done.state is RunState.FAILED
    assert done.failure_kind is FailureKind.STAGING
    message = done.failure_message or ""
    assert "could not install packages: the package index is unreachable" in message.lower()
    assert "PyPI" in message


class IndexUrl(str):
    """The index's URL, and the paths pip asked it for."""

    def __new__(cls, url: str, served: list[str]) -> IndexUrl:
        made = super().__new__(cls, url)
        made.served = served
        return made

    served: list[str]


@pytest.fixture
def package_index() -> Iterator[IndexUrl]:
    """A PEP 503 index of the wheelhouse on 127.0.0.1 (a mirror inside the VPC)."""
    folder = Path(wheelhouse())
    assert any(folder.glob("*.whl")), "make install builds the wheelhouse"
    root = Path(os.environ.get("TMPDIR", "/tmp")) / f"ucdh-index-{os.getpid()}"
    simple = root / "simple"
    for wheel in folder.glob("*.whl"):
        project = re.sub(r"[-_.]+", "-", wheel.name.split("-")[0]).lower()
        (simple / project).mkdir(parents=True, exist_ok=True)
        link = simple / project / wheel.name
        if not link.exists():
            link.symlink_to(wheel)
    served: list[str] = []

    class Index(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            served.append(self.path)

    handler = functools.partial(Index, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield IndexUrl(f"http://127.0.0.1:{server.server_address[1]}/simple/", served)
    server.shutdown()
    shutil.rmtree(root, ignore_errors=True)


def test_an_index_url_lets_a_machine_without_internet_install_and_run(
    run_service: RunService, workspace: Path, s3: Any, package_index: IndexUrl,
    instances: LocalInstances,
) -> None:  # fmt: skip
    # Given a stock image, no internet, and the administrator's package index
    instances.image.baked = False
    run_service.config.runs_pip_index_url = package_index
    # When a run boots
    run = submit(run_service, workspace, "analysis.ipynb", files=["data"])
    done = _done(run_service, run, timeout=INSTALL_TIMEOUT)
    # Then it installed from that index and ran the notebook
    assert done.state is RunState.SUCCEEDED, done.failure_message
    assert "result 1.0" in _executed(s3, done)
    assert any(path.endswith(".whl") for path in package_index.served)
    assert (
        "the image has the runner's environment" not in _machine(instances, run).console.read_text()
    )


@pytest.mark.parametrize("repos_reachable", [True, False])
def test_an_image_without_the_kernels_python_fails_the_run_saying_so(
    run_service: RunService, workspace: Path, instances: LocalInstances, repos_reachable: bool
) -> None:
    # Given an image whose python3 is 3.9 and whose dnf offers nothing else (or cannot
    # reach its repositories)
    instances.image.pythons = {"3.9": host_pythons()["3.9"]}
    instances.image.system = "3.9"
    instances.image.repos_reachable = repos_reachable
    # When a run of a Python 3.11 kernel boots
    run = submit(run_service, workspace, "analysis.ipynb")
    done = _done(run_service, run)
    # Then it failed naming the missing Python; it never ran on another one
    assert done.state is RunState.FAILED
    assert done.failure_kind is FailureKind.INFRASTRUCTURE
    message = done.failure_message or ""
    assert "no python3.11" in message and "repositories" in message
    machine = _machine(instances, run)
    assert machine.recorded("dnf") == ["dnf install -y -q python3.11 python3.11-pip"]
    assert not (machine.root / "opt/ucdh-run/work/out").exists()


def test_unreachable_repositories_do_not_stop_an_image_that_has_the_python(
    run_service: RunService, workspace: Path, s3: Any, instances: LocalInstances
) -> None:
    # Given an image that has python3.11 but whose package repositories are unreachable
    instances.image.preinstalled = ("3.11",)
    instances.image.repos_reachable = False
    # When a run boots
    run = submit(run_service, workspace, "analysis.ipynb", files=["data"])
    done = _done(run_service, run)
    # Then it ran: dnf was never needed
    assert done.state is RunState.SUCCEEDED, done.failure_message
    assert _machine(instances, run).recorded("dnf") == []


def test_an_r_notebook_runs_on_ec2_with_its_parameters(
    run_service: RunService, workspace: Path, s3: Any, instances: LocalInstances
) -> None:
    # Given the demo's R notebook (IRkernel, as in an image with R) and a parameter
    shutil.copy(DEMO_NOTEBOOKS / "cohort-summary-r.ipynb", workspace / "study" / "cohort.ipynb")
    # When it runs on EC2
    run = submit(run_service, workspace, "cohort.ipynb", parameters={"cohort_size": 120})
    done = _done(run_service, run, timeout=60)
    # Then R executed it with the parameter injected
    assert done.state is RunState.SUCCEEDED, done.failure_message
    assert "120 synthetic patients" in _executed(s3, done)
