"""Staging: the notebook, its parameters, the files sent along, the environment and the
runner, uploaded to the run's S3 prefix (SSE-KMS when configured) before launch.

Every check happens before the first upload, so a refused run leaves nothing behind.
Files that look like secrets (``.env``, keys, credentials) are never sent unless the
request says so explicitly.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import bad_request
from . import runner as protocol
from .environment import EnvironmentSpec
from .model import Run
from .records import RunRecords
from .results import is_previous_result
from .sweep import SWEEP_KEY

SENSITIVE_PATTERNS = (
    ".env",
    ".env.*",
    "*.env",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.keytab",
    "*.kdbx",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".netrc",
    ".pgpass",
    ".pypirc",
    ".npmrc",
    "credentials",
    "credentials.*",
    "*secret*",
    "token",
    "token.*",
    "*.token",
    "*_token*",
    "*-token*",
)
SENSITIVE_DIRS = (".aws", ".ssh", ".gnupg", ".databricks")
SKIPPED_DIRS = (".ipynb_checkpoints", "__pycache__", ".git", ".venv", "node_modules")
MAX_LISTED = 2000
MB = 1024 * 1024
# Inputs uploaded at once at submit (each is one S3 request, or a few for large files).
PARALLEL_UPLOADS = 8


def is_sensitive(relative: str) -> bool:
    """Whether a path (relative to the notebook's folder) looks like a secret."""
    parts = PurePosixPath(relative).parts
    if any(part in SENSITIVE_DIRS for part in parts[:-1]):
        return True
    name = parts[-1].lower() if parts else ""
    return any(fnmatch.fnmatch(name, pattern) for pattern in SENSITIVE_PATTERNS)


@dataclass(frozen=True)
class FileChoice:
    """A file the run dialog offers to send along."""

    path: str
    size: int
    sensitive: bool
    # A result an earlier run copied back ("Open result"): an output, not an input.
    previous_result: bool = False

    def to_json(self) -> dict[str, Any]:
        """For the run dialog; sensitive files and earlier results are shown unchecked."""
        return {
            "path": self.path,
            "size": self.size,
            "sensitive": self.sensitive,
            "previous_result": self.previous_result,
        }


def _walk(folder: Path, start: Path) -> list[Path]:
    found: list[Path] = []
    for entry in sorted(start.iterdir()):
        if entry.is_symlink():
            continue
        if entry.is_dir():
            if entry.name not in SKIPPED_DIRS:
                found.extend(_walk(folder, entry))
        elif entry.is_file():
            found.append(entry)
        if len(found) >= MAX_LISTED:
            break
    return found[:MAX_LISTED]


def sibling_files(notebook_file: Path) -> list[FileChoice]:
    """Files in the notebook's folder (and below), with sizes, the sensitive flag and
    whether each is the result of an earlier run."""
    folder = notebook_file.parent
    return [
        FileChoice(
            str(path.relative_to(folder).as_posix()),
            path.stat().st_size,
            is_sensitive(path.relative_to(folder).as_posix()),
            is_previous_result(path.name),
        )
        for path in _walk(folder, folder)
        if path != notebook_file
    ]


def select_files(
    notebook_file: Path, selected: list[str], include_sensitive: bool = False
) -> list[tuple[str, Path]]:
    """``(relative path, local path)`` of every file to send; folders are expanded.

    Refuses paths outside the notebook's folder and, unless ``include_sensitive``,
    files that look like secrets (inside a selected folder they are skipped).
    """
    folder = notebook_file.parent.resolve()
    chosen: dict[str, Path] = {}
    for item in selected:
        relative = PurePosixPath(str(item))
        target = (folder / relative).resolve()
        if relative.is_absolute() or (target != folder and folder not in target.parents):
            raise bad_request(f"{item!r} is not inside the notebook's folder.")
        if not target.exists():
            raise bad_request(f"{item!r} does not exist.")
        if target.is_dir():
            for path in _walk(folder, target):
                name = path.relative_to(folder).as_posix()
                if include_sensitive or not is_sensitive(name):
                    chosen[name] = path
            continue
        name = target.relative_to(folder).as_posix()
        if is_sensitive(name) and not include_sensitive:
            raise bad_request(
                f"{name!r} looks like a secret (keys, tokens, .env) and is not sent by default.",
                "Leave it out, or tick 'send anyway' if it really holds no secret.",
            )
        chosen[name] = target
    chosen.pop(notebook_file.resolve().relative_to(folder).as_posix(), None)
    return sorted(chosen.items())


def check_sizes(
    notebook_file: Path, files: list[tuple[str, Path]], max_notebook_mb: float, max_files_mb: float
) -> int:
    """Refuse a notebook or a set of files above the admin's limits; returns the file bytes."""
    size = notebook_file.stat().st_size
    if size > max_notebook_mb * MB:
        raise bad_request(
            f"The notebook is {size / MB:.1f} MiB; runs accept notebooks up to "
            f"{max_notebook_mb:g} MiB.",
            "Clear large outputs (Edit → Clear Outputs of All Cells), save, and retry.",
        )
    total = sum(path.stat().st_size for _, path in files)
    if total > max_files_mb * MB:
        raise bad_request(
            f"The files sent along total {total / MB:.1f} MiB; the limit is {max_files_mb:g} MiB.",
            "Put large inputs in S3 and read them from the notebook instead.",
        )
    return total


def stage(
    records: RunRecords,
    run: Run,
    notebook_file: Path,
    files: list[tuple[str, Path]],
    environment: EnvironmentSpec,
) -> None:
    """Upload everything the runner needs; fills the run's S3 locations.

    The inputs go up in parallel (a submit waits for the slowest, not for their sum);
    the manifest only once every one of them is in place.
    """
    location = records.location(run.id)
    manifest = {
        "run_id": run.id,
        "notebook_name": notebook_file.name,
        "parameters": run.parameters,
        "files": [name for name, _ in files],
        "requirements": bool(environment.requirements.strip()),
        "environment_source": environment.source,
        "sweep_size": len(run.sweep_rows),
    }
    uploads: list[Callable[[], None]] = [
        lambda: records.upload(run.id, protocol.NOTEBOOK_KEY, notebook_file),
        lambda: records.put(run.id, protocol.RUNNER_KEY, runner_source(), "text/x-python"),
    ]
    uploads += [
        partial(records.upload, run.id, protocol.FILES_PREFIX + name, path) for name, path in files
    ]
    if run.sweep_rows:
        # Each child reads its row from here by its index (see sweep.py).
        rows = json.dumps({"rows": run.sweep_rows}).encode()
        uploads.append(lambda: records.put(run.id, SWEEP_KEY, rows, "application/json"))
    if manifest["requirements"]:
        body = environment.requirements.encode()
        uploads.append(lambda: records.put(run.id, protocol.REQUIREMENTS_KEY, body, "text/plain"))
    run_all(uploads)
    # The manifest goes last: a runner that finds it finds every input in place.
    body = json.dumps(manifest, indent=1).encode()
    records.put(run.id, protocol.MANIFEST_KEY, body, "application/json")
    run.bucket = location.bucket
    run.prefix = location.prefix
    run.input_uri = location.uri("input/")
    run.partial_uri = location.uri(protocol.PARTIAL_KEY)
    run.output_uri = location.uri(protocol.OUTPUT_KEY)
    run.log_uri = location.uri(protocol.LOG_KEY)
    run.files = [name for name, _ in files]
    run.environment = environment.source


def run_all(actions: list[Callable[[], None]], workers: int = PARALLEL_UPLOADS) -> None:
    """Run independent actions in parallel, wait for every one, then raise the first
    failure (in the list's order), so nothing is still uploading when a submit fails."""
    if len(actions) <= 1:
        for action in actions:
            action()
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(actions))) as pool:
        futures = [pool.submit(action) for action in actions]
    for future in futures:
        future.result()


def runner_source() -> bytes:
    """The runner script, exactly as it will run on the instance."""
    return Path(protocol.__file__).read_bytes()


def runner_checksum() -> str:
    """SHA-256 (hex) of the runner script staged as ``input/runner.py``: the user data
    pins it, and the instance refuses to execute a script that differs (someone with
    write access to the runs bucket could otherwise run code as every run's machine)."""
    return hashlib.sha256(runner_source()).hexdigest()
