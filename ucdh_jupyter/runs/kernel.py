"""The notebook's kernel, its Python, and the Python a run's machine uses.

A run reproduces the researcher's environment: the packages the notebook imports, at
the versions the notebook's *kernel* has (not the Jupyter server's: in SageMaker Studio,
or with any kernel but the default one, they differ), on the same minor Python where
the run image offers it (:func:`choose_python`).

The kernel comes from the notebook's ``metadata.kernelspec.name``, looked up with
jupyter_client's kernel spec manager as Jupyter itself does; its interpreter is the
spec's ``argv[0]``. Reading the kernel's packages runs :mod:`.pinning` in that
interpreter (a short subprocess), or in this process when it is this very interpreter.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import pinning

# How long the kernel's Python may take to list its packages (large conda environments
# hold thousands of files to read).
READ_TIMEOUT_SECONDS = 30.0
# The kernel Jupyter starts for a notebook that names none.
DEFAULT_KERNEL = "python3"
_MAJOR, _MINOR = sys.version_info[:2]
# argv[0] names that jupyter_client replaces by the server's own interpreter.
_SERVER_PYTHON_NAMES = {"python", f"python{sys.version_info[0]}", f"python{_MAJOR}.{_MINOR}"}
_PYTHON_FILE = re.compile(r"python(\d+(\.\d+)?)?(\.exe)?")
_VERSION = re.compile(r"(\d+)\.(\d+)")
EN_DASH = "\u2013"


class KernelError(Exception):
    """The kernel's Python cannot be found or read; the message says why, for a researcher."""


@dataclass(frozen=True)
class Kernel:
    """The notebook's kernel as this server would start it."""

    name: str
    language: str
    # The interpreter, for Python kernels; None for the others (R).
    executable: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def is_python(self) -> bool:
        """Whether the kernel runs Python (only then are there imports to pin)."""
        return self.language.lower() == "python"

    @property
    def in_process(self) -> bool:
        """Whether the kernel's Python is this process's own (no subprocess needed)."""
        # By path, not by file: a venv's python is a link to its base interpreter, whose
        # packages are not the venv's.
        executable = self.executable
        return executable is not None and os.path.abspath(executable) == sys.executable


def notebook_kernel_name(notebook: dict[str, Any]) -> tuple[str, str]:
    """``(kernel name, language)`` the notebook's metadata names ("" when it does not)."""
    metadata = notebook.get("metadata") or {}
    spec = metadata.get("kernelspec") or {}
    info = metadata.get("language_info") or {}
    name = spec.get("name") if isinstance(spec, dict) else None
    language = (spec.get("language") if isinstance(spec, dict) else None) or (
        info.get("name") if isinstance(info, dict) else None
    )
    return str(name or ""), str(language or "")


def _kernel_specs() -> Any:
    # jupyter_client costs 0.3 s to import: on first use only, never at server start.
    from jupyter_client.kernelspec import KernelSpecManager

    return KernelSpecManager()


def resolve_kernel(notebook: dict[str, Any], specs: Any = None) -> Kernel:
    """The notebook's kernel and, for Python, its interpreter; :class:`KernelError` when
    the kernel is not installed here or its interpreter cannot be found.

    ``specs``: a jupyter_client ``KernelSpecManager`` (one per server, it caches nothing
    costly but its construction).
    """
    name, language = notebook_kernel_name(notebook)
    name = name or DEFAULT_KERNEL
    manager = specs if specs is not None else _kernel_specs()
    try:
        spec = manager.get_kernel_spec(name)
    except Exception as exc:  # NoSuchKernel, or a kernel.json that cannot be read
        raise KernelError(
            f"The notebook's kernel {name!r} is not installed on this server, so the "
            "versions of its packages cannot be read."
        ) from exc
    language = str(spec.language or language or "")
    env = {str(key): str(value) for key, value in (spec.env or {}).items()}
    if language.lower() != "python":
        return Kernel(name, language, None, env)
    return Kernel(name, language, interpreter(name, list(spec.argv), env), env)


def interpreter(name: str, argv: list[str], env: dict[str, str]) -> str:
    """The Python a kernel spec starts (``argv[0]``), as jupyter_client would run it."""
    first = argv[0] if argv else ""
    if first in _SERVER_PYTHON_NAMES:
        return sys.executable  # jupyter_client starts these as the server's interpreter
    if not _PYTHON_FILE.fullmatch(Path(first).name):
        raise KernelError(
            f"The kernel {name!r} starts with {Path(first).name!r}, not a Python "
            "interpreter, so the versions of its packages cannot be read."
        )
    path = env.get("PATH", os.environ.get("PATH"))
    found = first if os.path.isabs(first) else shutil.which(first, path=path)
    if not found or not os.access(found, os.X_OK) or os.path.isdir(found):
        raise KernelError(f"The Python of the kernel {name!r} ({first}) cannot be found.")
    return found


@dataclass(frozen=True)
class KernelPackages:
    """What the kernel's Python reported: its version and the imports' pins."""

    python: str
    pins: list[str]
    unresolved: list[str]


def read_packages(
    kernel: Kernel, modules: list[str], timeout: float = READ_TIMEOUT_SECONDS
) -> KernelPackages:
    """Pins of ``modules`` and the ``major.minor`` version, read in the kernel's Python."""
    if kernel.executable is None:
        raise KernelError(f"The kernel {kernel.name!r} does not run Python.")
    stdlib = sorted(sys.stdlib_module_names)
    if kernel.in_process:
        found = pinning.report(modules, stdlib)
    else:
        found = _report_from(kernel, modules, stdlib, timeout)
    return KernelPackages(str(found["python"]), list(found["pins"]), list(found["unresolved"]))


def _report_from(
    kernel: Kernel, modules: list[str], stdlib: list[str], timeout: float
) -> dict[str, Any]:
    source = Path(pinning.__file__).read_text(encoding="utf-8")
    request = json.dumps({"modules": modules, "stdlib": stdlib})
    environ = {**os.environ, **kernel.env}
    # Kernel variables meant for the server's Python would break another interpreter.
    environ.pop("PYTHONHOME", None)
    failure = f"The Python of the kernel {kernel.name!r} could not list its packages"
    with tempfile.TemporaryDirectory(prefix="ucdh-pins-") as empty:
        try:
            # The interpreter the administrator's kernel spec names, running our file.
            done = subprocess.run(  # noqa: S603 - the kernel spec's own interpreter
                [str(kernel.executable), "-c", source],
                input=request,
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=empty,
                env=environ,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise KernelError(f"{failure} within {timeout:g} seconds.") from exc
        except OSError as exc:
            raise KernelError(f"{failure}: {exc.strerror or type(exc).__name__}.") from exc
    try:
        found = json.loads(done.stdout) if done.returncode == 0 else None
    except ValueError:
        found = None
    if not isinstance(found, dict) or not _VERSION.fullmatch(str(found.get("python"))):
        last = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        raise KernelError(f"{failure} ({last}).")
    return found


def _key(version: str) -> tuple[int, int]:
    match = _VERSION.fullmatch(version)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def describe_versions(versions: list[str]) -> str:
    """``3.9 and 3.11-3.14`` (with an en dash): consecutive minor versions as ranges."""
    groups: list[list[str]] = []
    for version in sorted(set(versions), key=_key):
        major, minor = _key(version)
        if groups and _key(groups[-1][-1]) == (major, minor - 1):
            groups[-1].append(version)
        else:
            groups.append([version])
    parts = [group[0] if len(group) == 1 else f"{group[0]}{EN_DASH}{group[-1]}" for group in groups]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass(frozen=True)
class PythonChoice:
    """The Python a run's machine installs, and why when it is not the kernel's."""

    kernel: str | None
    version: str | None
    note: str | None = None

    def to_json(self) -> dict[str, str | None]:
        """For the run dialog."""
        return {"kernel": self.kernel, "version": self.version, "note": self.note}


def choose_python(kernel: str | None, offered: list[str], image: str) -> PythonChoice:
    """The kernel's minor version when the image offers it, else the nearest newer one
    offered (else the newest), with a note saying so; None when the kernel is not Python.
    """
    listed = sorted({v for v in offered if _VERSION.fullmatch(v)}, key=_key)
    if kernel is None or not listed:
        return PythonChoice(kernel, None)
    if kernel in listed:
        return PythonChoice(kernel, kernel)
    newer = [v for v in listed if _key(v) > _key(kernel)]
    chosen = newer[0] if newer else listed[-1]
    note = (
        f"Your kernel runs Python {kernel}; {image} offers {describe_versions(listed)}, "
        f"so the run uses {chosen}; pins that need {kernel} may fail."
    )
    return PythonChoice(kernel, chosen, note)
