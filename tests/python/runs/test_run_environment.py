"""What a run installs comes from the notebook's kernel: its packages' versions and its
Python, not the Jupyter server's (which differ in SageMaker Studio or with any kernel
but the default one); and the runner's own packages are pinned to what it is tested with.

The kernels here are real: kernel specs in a temporary JUPYTER_PATH pointing at other
interpreters (real virtual environments of Python 3.12 and 3.10).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs import runner as protocol
from ucdh_jupyter.runs.environment import RUNNER_PACKAGES, runner_pins
from ucdh_jupyter.runs.model import Run
from ucdh_jupyter.runs.service import RunService

from .conftest import RUNS_BUCKET
from .helpers import submit, write_notebook


def real_python(command: str) -> str:
    """The interpreter ``command`` (``python3.12``) names: on PATH, or installed by pyenv
    (whose shims only run the versions selected, so its own folders are looked at too)."""
    minor = command.removeprefix("python")
    pyenv = Path(os.environ.get("PYENV_ROOT", "~/.pyenv")).expanduser()
    candidates = [shutil.which(command) or ""]
    candidates += [str(path) for path in sorted(pyenv.glob(f"versions/{minor}.*/bin/{command}"))]
    for candidate in filter(None, candidates):
        done = subprocess.run(
            [candidate, "-c", "import sys; print(sys.executable)"],
            capture_output=True,
            text=True,
            check=False,
            cwd="/",
        )
        if done.returncode == 0:
            return done.stdout.strip()
    raise AssertionError(f"{command} is needed (on PATH or in pyenv) to build this test's kernel")


def make_venv(base: str, target: Path, with_pip: bool) -> Path:
    """A virtual environment of ``base`` with nothing (or only pip) installed."""
    command = [base, "-m", "venv", str(target)]
    subprocess.run(command if with_pip else [*command, "--without-pip"], check=True)
    return target / "bin" / "python"


def installed_version(python: Path, name: str) -> str:
    """The version of ``name`` that the interpreter ``python`` has."""
    code = f"from importlib import metadata; print(metadata.version({name!r}))"
    return subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def kernel_pythons(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two kernels' environments: Python 3.12 with only pip, Python 3.10 with nothing."""
    root = tmp_path_factory.mktemp("kernel-envs")
    return {
        "3.12": make_venv(real_python("python3.12"), root / "py312", with_pip=True),
        "3.10": make_venv(real_python("python3.10"), root / "py310", with_pip=False),
    }


@pytest.fixture
def kernels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A JUPYTER_PATH of this test's own, where kernel specs are installed."""
    path = tmp_path / "jupyter"
    monkeypatch.setenv("JUPYTER_PATH", str(path))
    return path / "kernels"


def install_kernel(kernels: Path, name: str, argv0: str, language: str = "python") -> None:
    """A kernel spec as ``jupyter kernelspec install`` leaves it."""
    folder = kernels / name
    folder.mkdir(parents=True)
    spec = {
        "argv": [argv0, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": name,
        "language": language,
    }
    (folder / "kernel.json").write_text(json.dumps(spec))


def notebook_with_kernel(path: Path, kernel: str, *cells: str, language: str = "python") -> Path:
    """A notebook saved with ``kernel`` as its kernel."""
    write_notebook(path, *cells)
    notebook = json.loads(path.read_text())
    notebook["metadata"]["kernelspec"] = {
        "name": kernel,
        "display_name": kernel,
        "language": language,
    }
    path.write_text(json.dumps(notebook))
    return path


@pytest.fixture
def service(
    run_settings: dict[str, Any], kernels: Path, aws_env: dict[str, str]
) -> Iterator[RunService]:
    """A run service whose machines stay 'booting' for the test (nothing executes)."""
    config = UcdhConfig(**{**run_settings, "runs_local_boot_seconds": 600})
    built = RunService.from_config(config, AwsClients(config))
    yield built
    backend = built._backends.get("ec2")
    local = getattr(backend, "local", None)
    if local is not None:
        local.stop_all()
    built.close()


def test_pins_are_read_in_the_kernels_python_not_the_servers(
    service: RunService, kernels: Path, kernel_pythons: dict[str, Path], tmp_path: Path
) -> None:
    # Given a notebook whose kernel is a Python 3.12 environment holding only pip,
    # and which imports pip, pandas (installed in the server's environment only) and json
    python = kernel_pythons["3.12"]
    install_kernel(kernels, "study-312", str(python))
    notebook_with_kernel(
        tmp_path / "root" / "study" / "analysis.ipynb",
        "study-312",
        "import json\nimport pip\nimport pandas as pd",
    )
    # When the run dialog is prepared
    dialog = service.prepare("study/analysis.ipynb", tmp_path / "root")
    # Then pip is pinned to the kernel's version (not the server's), pandas is reported
    # as not installed rather than pinned to the server's pandas, json is standard
    kernel_pip = installed_version(python, "pip")
    assert kernel_pip != metadata.version("pip")  # the two environments really differ
    assert dialog["environment"]["packages"] == [f"pip=={kernel_pip}"]
    assert dialog["environment"]["unresolved"] == ["pandas"]
    assert dialog["environment"]["problem"] is None
    # And the run uses the kernel's Python, which the image offers: nothing to explain
    assert dialog["python"] == {"kernel": "3.12", "version": "3.12", "note": None}


def test_a_run_records_and_stages_what_its_kernel_has(
    service: RunService, kernels: Path, kernel_pythons: dict[str, Path], tmp_path: Path, s3: Any
) -> None:
    # Given a notebook whose kernel is the Python 3.12 environment
    install_kernel(kernels, "study-312", str(kernel_pythons["3.12"]))
    root = tmp_path / "root"
    notebook_with_kernel(root / "study" / "analysis.ipynb", "study-312", "import pip")
    # When it is submitted
    run = submit(service, root, "analysis.ipynb")
    # Then the run (and its S3 record, read back as an old server would) says Python 3.12
    assert run.python_version == "3.12"
    record = s3.get_object(Bucket=RUNS_BUCKET, Key=run.prefix + protocol.RECORD_KEY)["Body"].read()
    assert Run.from_json(json.loads(record)).python_version == "3.12"
    # And the staged requirements are the kernel's pins
    staged = s3.get_object(Bucket=RUNS_BUCKET, Key=run.prefix + protocol.REQUIREMENTS_KEY)
    expected = f"pip=={installed_version(kernel_pythons['3.12'], 'pip')}\n"
    assert staged["Body"].read().decode() == expected


def test_a_kernel_on_a_python_the_image_lacks_runs_on_the_next_one_with_the_reason(
    service: RunService, kernels: Path, kernel_pythons: dict[str, Path], tmp_path: Path
) -> None:
    # Given a notebook whose kernel runs Python 3.10, which Amazon Linux 2023 does not package
    install_kernel(kernels, "old-310", str(kernel_pythons["3.10"]))
    root = tmp_path / "root"
    notebook_with_kernel(root / "study" / "analysis.ipynb", "old-310", "import pandas")
    # When the run dialog is prepared, and the run submitted
    dialog = service.prepare("study/analysis.ipynb", root)
    run = submit(service, root, "analysis.ipynb")
    # Then the run uses 3.11, the nearest newer Python on offer, and the dialog says why
    assert dialog["python"] == {
        "kernel": "3.10",
        "version": "3.11",
        "note": "Your kernel runs Python 3.10; Amazon Linux 2023 offers 3.9 and 3.11\u20133.14, "
        "so the run uses 3.11; pins that need 3.10 may fail.",
    }
    assert run.python_version == "3.11"
    # And pandas, which that kernel lacks, is not pinned
    assert dialog["environment"]["unresolved"] == ["pandas"]


def test_the_run_installs_what_the_dialog_showed_until_the_notebook_changes(
    service: RunService,
    kernels: Path,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    s3: Any,
) -> None:
    # Given a dialog prepared for a notebook whose Python 3.12 kernel has pip
    python = make_venv(real_python("python3.12"), tmp_path_factory.mktemp("own") / "env", True)
    install_kernel(kernels, "changing", str(python))
    root = tmp_path / "root"
    path = notebook_with_kernel(root / "study" / "analysis.ipynb", "changing", "import pip")
    old_pip = installed_version(python, "pip")
    shown = service.prepare("study/analysis.ipynb", root)["environment"]["packages"]
    # And, after the dialog opened, the kernel's pip was replaced by one installed from a
    # local wheel file (which pip on another machine cannot fetch: no longer pinned)
    wheel = next(Path(ensurepip_bundle("python3.10")).glob("pip-*.whl"))
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-index", str(wheel)], check=True
    )
    # When the run is submitted without any change to the notebook
    run = submit(service, root, "analysis.ipynb")
    # Then it installs what the dialog showed
    staged = s3.get_object(Bucket=RUNS_BUCKET, Key=run.prefix + protocol.REQUIREMENTS_KEY)
    assert staged["Body"].read().decode().splitlines() == shown == [f"pip=={old_pip}"]
    # And once the notebook is saved again, a submit reads the kernel afresh: nothing to pin
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    again = submit(service, root, "analysis.ipynb")
    listed = s3.list_objects_v2(Bucket=RUNS_BUCKET, Prefix=again.prefix + "input/")
    staged_keys = [item["Key"].removeprefix(again.prefix) for item in listed["Contents"]]
    assert protocol.NOTEBOOK_KEY in staged_keys
    assert protocol.REQUIREMENTS_KEY not in staged_keys


def ensurepip_bundle(command: str) -> str:
    """The folder of wheels that ``command``'s ensurepip installs from (offline)."""
    code = (
        "import ensurepip, os; print(os.path.join(os.path.dirname(ensurepip.__file__), '_bundled'))"
    )
    return subprocess.run(
        [real_python(command), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_an_r_notebook_gets_no_python_pins(service: RunService, tmp_path: Path) -> None:
    # Given an R notebook (its R code would look like an import of nothing to Python)
    root = tmp_path / "root"
    notebook_with_kernel(root / "study" / "analysis.ipynb", "ir", "library(ggplot2)", language="R")
    # When the run dialog is prepared
    dialog = service.prepare("study/analysis.ipynb", root)
    # Then nothing is pinned, and the machine's Python is the image's own
    assert dialog["environment"]["packages"] == []
    assert dialog["environment"]["problem"] is None
    assert dialog["python"] == {"kernel": None, "version": None, "note": None}


@pytest.mark.parametrize(
    ("argv0", "words"),
    [
        ("/nowhere/bin/python3", "cannot be found"),
        ("conda", "not a Python interpreter"),
        (None, "is not installed on this server"),
    ],
    ids=["missing-interpreter", "not-python", "unknown-kernel"],
)
def test_a_kernel_whose_python_cannot_be_read_is_explained_and_refused(
    service: RunService, kernels: Path, tmp_path: Path, s3: Any, argv0: str | None, words: str
) -> None:
    # Given a notebook whose kernel's Python cannot be found
    if argv0 is not None:
        install_kernel(kernels, "broken", argv0)
    root = tmp_path / "root"
    notebook_with_kernel(root / "study" / "analysis.ipynb", "broken", "import pandas")
    # When the run dialog is prepared
    dialog = service.prepare("study/analysis.ipynb", root)
    # Then it says why nothing is pinned
    assert words in dialog["environment"]["problem"]
    assert dialog["environment"]["packages"] == []
    # And a submit is refused with the same reason and what to do, before anything is made
    with pytest.raises(UcdhError) as refused:
        submit(service, root, "analysis.ipynb")
    assert refused.value.status == 400
    assert refused.value.code == "kernel_not_readable"
    assert words in refused.value.message
    assert "requirements.txt" in refused.value.hint
    listed = s3.list_objects_v2(Bucket=RUNS_BUCKET, Prefix=service.config.runs_prefix)
    assert listed.get("KeyCount", 0) == 0


def test_a_folder_requirements_file_needs_no_readable_kernel(
    service: RunService, tmp_path: Path
) -> None:
    # Given a notebook whose kernel is unknown here, with a requirements.txt beside it
    root = tmp_path / "root"
    notebook_with_kernel(root / "study" / "analysis.ipynb", "elsewhere", "import pandas")
    (root / "study" / "requirements.txt").write_text("pandas==2.2.3\n")
    # When it is submitted
    run = submit(service, root, "analysis.ipynb")
    # Then it runs with the file's packages on the image's Python
    assert run.environment == "requirements.txt"
    assert run.python_version is None


OFFERED = ["3.9", "3.11", "3.12", "3.13", "3.14"]


def test_runner_pins_are_exact_wherever_the_tested_versions_run() -> None:
    # Given the runner's packages installed in this server (the versions it is tested with)
    here = "{}.{}.{}".format(*sys.version_info[:3])
    pins = [Requirement(line) for line in runner_pins()]
    for name in RUNNER_PACKAGES:
        dist = metadata.distribution(name)
        supported = SpecifierSet(dist.metadata["Requires-Python"] or "")
        for python in [here, *(f"{version}.0" for version in OFFERED)]:
            # When a machine with that Python reads the lines
            applying = [
                pin
                for pin in pins
                if pin.name.lower() == name
                and (pin.marker is None or pin.marker.evaluate({"python_full_version": python}))
            ]
            # Then exactly one line applies: the exact tested version where it supports
            # that Python, else the name alone (pip picks a release that supports it)
            assert len({str(pin.specifier) for pin in applying}) == 1, (name, python)
            if supported.contains(python):
                assert str(applying[0].specifier) == f"=={dist.version}"
            else:
                assert str(applying[0].specifier) == ""
    # And this server's own Python gets exact pins of all three
    exact = [
        pin
        for pin in pins
        if pin.marker is None or pin.marker.evaluate({"python_full_version": here})
    ]
    assert sorted(str(pin).split(";")[0] for pin in exact) == sorted(
        f"{metadata.distribution(name).metadata['Name']}=={metadata.version(name)}"
        for name in RUNNER_PACKAGES
    )


def test_a_second_submit_asks_aws_again_only_what_can_change(
    service: RunService, workspace: Path
) -> None:
    # Given a server that has submitted one run (its AMI and subnet looked up)
    calls: list[str] = []

    def note(model: Any, params: Any, **_: Any) -> None:
        body = params.get("body")
        dry = isinstance(body, dict) and str(body.get("DryRun", "")).lower() == "true"
        calls.append(model.name + (" (dry run)" if dry else ""))

    service.aws.session().events.register("before-call", note)
    submit(service, workspace, "analysis.ipynb")
    assert "GetParameter" in calls and "DescribeSubnets" in calls
    # When the researcher submits again
    calls.clear()
    submit(service, workspace, "analysis.ipynb")
    # Then the AMI and the subnet are not asked again, but every check still runs, in
    # order: the record, the dry run, the staging, then the launch
    assert "GetParameter" not in calls and "DescribeSubnets" not in calls, calls
    launch = calls.index("RunInstances")
    assert calls.index("RunInstances (dry run)") < calls.index("PutObject") < launch
