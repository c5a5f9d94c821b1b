"""What the local stand-in instance's image is made of (``mode='local'`` only): the
host's Python interpreters by minor version, the host's tools without its Pythons, and
a runner venv built once per interpreter and pins, which images may have "baked in".
"""

from __future__ import annotations

import fcntl
import functools
import glob
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

MINORS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
# Host tools the image must not take from the host: its Pythons are its own.
_NOT_TOOLS = re.compile(r"^(python|pip|pydoc|idle|2to3)")


def _usable_by_everyone(path: str) -> bool:
    """Whether any account may execute ``path`` (every folder on the way searchable):
    the notebook runs as an unprivileged user, who cannot enter ``/root/.pyenv``."""
    real = Path(os.path.realpath(path))
    folders_open = all(folder.stat().st_mode & 0o001 for folder in real.parents)
    return folders_open and bool(real.stat().st_mode & 0o001)


def _base_executable(candidate: str) -> str | None:
    done = subprocess.run(  # noqa: S603 - an interpreter of this host
        [candidate, "-c", "import sys; print(sys._base_executable)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


@functools.lru_cache(maxsize=1)
def host_pythons() -> dict[str, str]:
    """Real interpreters of this host by minor version (``3.11`` → path), those every
    account may execute first (the system's), then pyenv's installed versions."""
    found: dict[str, str] = {}
    pyenv = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    for minor in MINORS:
        candidates = [f"/usr/bin/python{minor}", f"/usr/local/bin/python{minor}"]
        candidates += [shutil.which(f"python{minor}") or ""]
        candidates += sorted(glob.glob(f"{pyenv}/versions/{minor}.*/bin/python{minor}"))
        working = [
            base
            for base in (_base_executable(c) for c in candidates if c and os.path.exists(c))
            if base
        ]
        shared = [base for base in working if _usable_by_everyone(base)]
        if working:
            found[minor] = (shared or working)[0]
    return found


@functools.lru_cache(maxsize=1)
def host_tools() -> str:
    """A folder of links to this host's ``/usr/bin`` and ``/bin`` tools, except Python.

    Built once and then left alone: every stand-in machine on this host (other test
    sessions' too) has it on its PATH, so replacing it while one runs would make its
    ``mkdir`` or ``aws`` vanish for a moment (exit 127)."""
    folder = Path(tempfile.gettempdir()) / f"ucdh-instance-tools-{os.getuid()}"
    if (folder / "bash").exists():
        return str(folder)
    building = Path(tempfile.mkdtemp(prefix="ucdh-instance-tools-"))
    for source in ("/bin", "/usr/bin"):
        for entry in os.scandir(source):
            target = building / entry.name
            if not _NOT_TOOLS.match(entry.name) and not target.exists():
                target.symlink_to(entry.path)
    building.chmod(0o755)  # the notebook's unprivileged user runs these too
    if folder.exists() and not (folder / "bash").exists():
        shutil.rmtree(folder, ignore_errors=True)  # a broken one
    try:
        building.rename(folder)
    except OSError:  # another process built it at the same moment
        shutil.rmtree(building, ignore_errors=True)
    return str(folder)


def _cache_root() -> Path:
    """The account's own cache folder, whatever HOME says (test servers set their own
    HOME: the venv would be rebuilt for every one of them)."""
    import pwd

    home = pwd.getpwuid(os.getuid()).pw_dir
    return Path(home) / ".cache" / "ucdh-jupyter" / "instance-venvs"


def baked_runner_venv(interpreter: str, pins: list[str], wheelhouse: Path) -> Path:
    """A venv of ``interpreter`` with the runner's ``pins`` installed from the local
    ``wheelhouse`` (no index), built once and shared (read-only) by the stand-in images."""
    key = hashlib.sha256(" ".join([interpreter, *pins]).encode()).hexdigest()[:16]
    venv = _cache_root() / key
    if (venv / "ucdh-complete").exists():
        return venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / "ucdh-complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([interpreter, "-m", "venv", str(venv)], check=True)  # noqa: S603
            # Nothing of this process's environment: a PYTHONPATH or PIP_* setting would
            # make pip find (or fetch) packages elsewhere and install nothing here.
            env = {"PATH": os.environ.get("PATH", ""), "HOME": str(venv), "LANG": "C.UTF-8"}
            env["PIP_CONFIG_FILE"] = os.devnull
            subprocess.run(  # noqa: S603 - pip of our own venv
                [str(venv / "bin/python"), "-m", "pip", "install", "-q", "--no-index",
                 "--find-links", str(wheelhouse), "--disable-pip-version-check", *pins],
                check=True,
                env=env,
            )  # fmt: skip
            done = subprocess.run(  # noqa: S603 - our own venv's interpreter
                [str(venv / "bin/python"), "-c", "import boto3, papermill, ipykernel"],
                env=env,
                check=False,
            )
            if done.returncode != 0:
                raise OSError(f"the runner venv of {interpreter} lacks the runner's packages")
            (venv / "ucdh-complete").touch()
    return venv
