"""The Python environment a run installs: the folder's ``requirements.txt``, or the
packages the notebook imports pinned to the versions its kernel has, on the Python the
run image offers nearest to the kernel's; and the runner's own packages.

The pins are read in the kernel's interpreter (:mod:`.kernel`), which is not the Jupyter
server's in SageMaker Studio or with any non-default kernel. Reading them scans every
installed distribution (a few hundred milliseconds, more in large environments), so
the run dialog computes them once (``prepare``) and the submit that follows reuses them
while the notebook, its requirements file and its kernel are unchanged
(:class:`EnvironmentCache`): the run installs exactly what the dialog showed.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .kernel import (
    Kernel,
    KernelError,
    PythonChoice,
    choose_python,
    notebook_kernel_name,
    read_packages,
    resolve_kernel,
)
from .notebook import top_level_imports

REQUIREMENTS = "requirements.txt"
PINNED = "imports pinned to the kernel's environment"
# What the runner itself imports on the machine (papermill runs R kernels as well with
# nothing more: IRkernel comes with R, not from pip).
RUNNER_PACKAGES = ("boto3", "papermill", "ipykernel")
# How long a dialog's environment stays valid for the submit that follows it.
CACHE_SECONDS = 600.0
CACHE_ENTRIES = 64


@dataclass
class EnvironmentSpec:
    """What will be installed on the run's machine, and why."""

    source: str
    requirements: str
    unresolved: list[str] = field(default_factory=list)
    # The Python the machine installs (None: the image's python3, e.g. for R notebooks).
    python: PythonChoice = field(default_factory=lambda: PythonChoice(None, None))
    # Why the kernel's packages could not be read (then nothing is pinned).
    problem: str | None = None

    @property
    def from_file(self) -> bool:
        """Whether the package list is the folder's requirements file."""
        return self.source == REQUIREMENTS

    def to_json(self) -> dict[str, Any]:
        """For the run dialog: where the list comes from, the lines, what was left out."""
        return {
            "source": self.source,
            "packages": [line for line in self.requirements.splitlines() if line.strip()],
            "unresolved": self.unresolved,
            "problem": self.problem,
        }


def environment_for(
    notebook_file: Path,
    notebook: dict[str, Any],
    pythons: Sequence[str] = (),
    image: str = "The run image",
    specs: Any = None,
) -> EnvironmentSpec:
    """The folder's requirements.txt if there is one, else the notebook's imports pinned
    in its kernel's Python; the run's Python chosen among ``pythons`` (what ``image``
    offers). ``specs``: the server's jupyter_client ``KernelSpecManager``, if it has one.
    """
    kernel, problem = _kernel(notebook, specs)
    return _environment(notebook_file, notebook, kernel, problem, pythons, image)


def _kernel(notebook: dict[str, Any], specs: Any) -> tuple[Kernel | None, str | None]:
    """The notebook's kernel, or None with why (None, None: not Python, nothing to read)."""
    _, language = notebook_kernel_name(notebook)
    if language and language.lower() != "python":
        return None, None  # R and others: no Python pins, the image's python3 runs papermill
    try:
        kernel = resolve_kernel(notebook, specs)
    except KernelError as exc:
        return None, str(exc)
    return (kernel if kernel.is_python else None), None


def _environment(
    notebook_file: Path,
    notebook: dict[str, Any],
    kernel: Kernel | None,
    problem: str | None,
    pythons: Sequence[str],
    image: str,
) -> EnvironmentSpec:
    requirements = notebook_file.parent / REQUIREMENTS
    from_file = requirements.is_file()
    modules = [] if from_file else sorted(top_level_imports(notebook))
    found = None
    if kernel is not None:
        try:
            found = read_packages(kernel, modules)
        except KernelError as exc:
            problem = str(exc)
    python = choose_python(found.python if found else None, list(pythons), image)
    if from_file:
        text = requirements.read_text(encoding="utf-8")
        return EnvironmentSpec(REQUIREMENTS, text, python=python, problem=problem)
    if found is None:
        return EnvironmentSpec(PINNED, "", python=python, problem=problem)
    text = "".join(f"{pin}\n" for pin in found.pins)
    return EnvironmentSpec(PINNED, text, found.unresolved, python=python)


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


class EnvironmentCache:
    """Environments computed for the run dialog, reused by the submit that follows.

    An entry is keyed by the notebook's path, modification time and size, those of its
    folder's requirements file, the kernel (name and interpreter) and the Pythons on
    offer: editing or saving the notebook, or switching its kernel, computes afresh.
    Entries expire after ``seconds`` (a package installed in the kernel meanwhile is
    seen by the next dialog) and at most ``entries`` are kept.
    """

    def __init__(self, seconds: float = CACHE_SECONDS, entries: int = CACHE_ENTRIES) -> None:
        self.seconds = seconds
        self.entries = entries
        self._lock = threading.Lock()
        self._specs: Any = None
        self._cached: OrderedDict[tuple[Any, ...], tuple[float, EnvironmentSpec]] = OrderedDict()

    def kernel_specs(self) -> Any:
        """One jupyter_client ``KernelSpecManager`` for this server (built on first use)."""
        with self._lock:
            if self._specs is None:
                from jupyter_client.kernelspec import KernelSpecManager

                self._specs = KernelSpecManager()
            return self._specs

    def compute(
        self,
        notebook_file: Path,
        notebook: dict[str, Any],
        pythons: Sequence[str],
        image: str,
        reuse: bool = True,
    ) -> EnvironmentSpec:
        """The environment, from the cache when ``reuse`` and nothing changed; computed
        (and remembered) otherwise."""
        kernel, problem = _kernel(notebook, self.kernel_specs())
        key = (
            str(notebook_file),
            _stat(notebook_file),
            _stat(notebook_file.parent / REQUIREMENTS),
            kernel.name if kernel else None,
            kernel.executable if kernel else None,
            tuple(pythons),
            image,
        )
        now = time.monotonic()
        with self._lock:
            hit = self._cached.get(key)
            if reuse and hit is not None and hit[0] > now:
                return hit[1]
        spec = _environment(notebook_file, notebook, kernel, problem, pythons, image)
        if spec.problem is None:
            with self._lock:
                self._cached[key] = (now + self.seconds, spec)
                self._cached.move_to_end(key)
                while len(self._cached) > self.entries:
                    self._cached.popitem(last=False)
        return spec


def runner_pins() -> list[str]:
    """Requirement lines for the runner's own packages (:data:`RUNNER_PACKAGES`): the
    versions installed in this server, the ones the runner is tested with.

    A line is exact (``papermill==2.7.0``) for every Python that version supports; a
    version whose ``Requires-Python`` excludes the run's Python (ipykernel 7 needs 3.10,
    a run on 3.9 cannot have it) gets a second line without a version under the
    complementary marker, so pip takes the newest release that supports that Python
    instead of failing. A package not installed here is listed by name alone.
    """
    return list(_runner_pins())


@functools.cache
def _runner_pins() -> tuple[str, ...]:
    # Read once per server: its packages do not change under it (a submit plans with it).
    lines: list[str] = []
    for name in RUNNER_PACKAGES:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            lines.append(name)
            continue
        exact = f"{dist.metadata['Name']}=={dist.version}"
        needs = dist.metadata["Requires-Python"] or ""
        clauses = _python_clauses(needs)
        if not clauses:
            lines.append(exact)
            continue
        lines.append(f"{exact}; " + " and ".join(_marker(op, version) for op, version in clauses))
        for op, version in clauses:
            lines.append(f"{dist.metadata['Name']}; {_marker(_NEGATION[op], version)}")
    return tuple(lines)


# Each clause of a Requires-Python, and the clause that holds exactly when it does not.
_NEGATION = {">=": "<", "<": ">=", ">": "<=", "<=": ">", "==": "!=", "!=": "=="}


def _python_clauses(requires: str) -> list[tuple[str, str]]:
    """``">=3.8, !=3.9.0"`` → ``[(">=", "3.8"), ("!=", "3.9.0")]`` (``~=X.Y`` is
    ``>=X.Y, ==X.*``; ``===`` is kept as ``==``)."""
    from packaging.specifiers import SpecifierSet

    clauses: list[tuple[str, str]] = []
    for spec in SpecifierSet(requires):
        operator, version = spec.operator, spec.version
        if operator == "~=":
            release = version.split(".")
            clauses.append((">=", version))
            clauses.append(("==", ".".join(release[:-1]) + ".*"))
        else:
            clauses.append(("==" if operator == "===" else operator, version))
    return clauses


def _marker(operator: str, version: str) -> str:
    return f'python_full_version {operator} "{version}"'
