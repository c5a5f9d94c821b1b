"""Where a run's machine gets its Python packages, and the S3 wheel cache that lets it
install them without any internet access.

Landing zones often give instances no route out, only VPC endpoints (S3 gateway,
sometimes CodeArtifact). The administrator picks one source (:func:`package_source`):
a CodeArtifact repository, a package index URL, the wheel cache, or the public PyPI.

The wheel cache: at submit time (in a background thread, after RunInstances) the server's
own pip downloads the wheels the notebook needs, for the instance's Python and
architecture rather than the server's, from ``runs_wheelhouse`` (a local folder) or the
server's pip configuration; the ones not cached yet go to
``s3://<runs bucket>/<runs_prefix>wheels/``; the run's ``input/wheels.json`` then names
exactly the wheels to fetch. The instance waits for that file, downloads those wheels
through the S3 gateway endpoint and installs them with ``pip --no-index``. When pip
cannot find a wheel, the file carries the cause instead, in words a researcher can act
on ("pandas==3.1.1 has no wheel for Python 3.11 on x86_64"), and the run fails with it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import runner as protocol
from .runner import UNREACHABLE_MARKERS

if TYPE_CHECKING:
    from ..config import UcdhConfig
    from .model import Run
    from .records import RunRecords

log = logging.getLogger(__name__)

# The run's file the instance waits for: {"wheels": [file names]} or {"error": "..."}.
WHEELS_KEY = protocol.WHEELS_KEY
# Folder of the cache under runs_prefix (no run id is ever "wheels": ids are ULIDs).
CACHE_FOLDER = "wheels/"
# pip may need a while for large wheels (torch is ~2 GB); past this the run fails.
PIP_TIMEOUT_SECONDS = 900
# At most this many pip processes at once: the server stays responsive on small machines.
CONCURRENT_FILLS = 2
ARCHITECTURES = {"x86_64": "x86_64", "arm64": "aarch64"}
# Amazon Linux 2023 has glibc 2.34: every manylinux_2_N wheel with N <= 34 runs there.
# pip does not widen manylinux_2_N tags itself, so each one is listed.
GLIBC_MINORS = range(34, 16, -1)
PYTHON_VERSION = re.compile(r"3\.[0-9]{1,2}")
# A URL's user:password@ part, wherever it appears in pip's output.
CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


def platform_tags(architecture: str) -> list[str]:
    """pip ``--platform`` tags of wheels that run on the instance's Amazon Linux 2023."""
    machine = ARCHITECTURES[architecture]
    tags = [f"manylinux_2_{minor}_{machine}" for minor in GLIBC_MINORS]
    tags.append(f"manylinux2014_{machine}")  # pip adds manylinux2010/1 to this one
    return tags


def package_source(config: UcdhConfig) -> dict[str, str]:
    """Where run instances install packages from: ``{"kind", "label"}``.

    ``kind`` is ``codeartifact``, ``index``, ``wheel_cache`` or ``pypi`` (in that order of
    precedence); ``label`` says it for people, without any credential.
    """
    domain, repository = config.runs_codeartifact_domain, config.runs_codeartifact_repository
    if domain and repository:
        owner = config.runs_codeartifact_domain_owner
        where = f"domain {domain}" + (f" (account {owner})" if owner else "")
        return {"kind": "codeartifact", "label": f"CodeArtifact repository {repository} in {where}"}
    if config.runs_pip_index_url:
        return {
            "kind": "index",
            "label": f"the package index {index_host(config.runs_pip_index_url)}",
        }
    if config.runs_wheel_cache:
        return {"kind": "wheel_cache", "label": "the S3 wheel cache (no internet needed)"}
    return {"kind": "pypi", "label": "the public PyPI (needs internet)"}


def index_host(url: str) -> str:
    """``scheme://host[:port]`` of an index URL: no user, password, token or path."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # e.g. a port that is not a number
        return "(a configured URL)"
    return f"{parts.scheme}://{host}{port}" if parts.scheme and host else "(a configured URL)"


def requirement_lines(requirements: list[str]) -> list[str]:
    """The requirement specifiers to download, or ValueError naming a line pip must not see.

    Only ``name[extras] <specifiers> ; markers``: a line from the notebook's folder could
    otherwise be an option (``--index-url``), a URL or a local path that the server's pip
    would fetch or read.
    """
    from packaging.requirements import InvalidRequirement, Requirement

    lines = []
    for raw in requirements:
        line = raw.split(" #", 1)[0].strip()
        # pip-compile --generate-hashes writes "name==1.0 \" then "--hash=sha256:..." lines;
        # the cache trusts the index it fills from, so the hashes are dropped, not the pin.
        line = " ".join(
            word for word in line.split() if word != "\\" and not word.startswith("--hash")
        )
        if not line or line.startswith("#"):
            continue
        try:
            parsed = Requirement(line)
        except InvalidRequirement:
            parsed = None
        if parsed is None or parsed.url or line.startswith("-"):
            raise ValueError(
                f"{line!r} is not a package requirement the wheel cache can fetch "
                "(only names with versions, e.g. pandas==2.2.3: no options, URLs or paths)"
            )
        lines.append(line)
    return lines


class FillError(Exception):
    """Why the cache could not be filled, in words for the researcher."""


class WheelCache:
    """Fills ``<runs_prefix>wheels/`` with the wheels runs need and tells each run which."""

    def __init__(self, config: UcdhConfig, records: RunRecords) -> None:
        self.config = config
        self.records = records
        self.prefix = f"{records.root_prefix}{CACHE_FOLDER}"
        self._slots = threading.BoundedSemaphore(CONCURRENT_FILLS)

    def fill_for(self, run: Run, architecture: str) -> None:
        """Fill the cache with what ``run`` installs, in the background, while its
        machine boots (the machine waits for the list): the launch is never delayed by
        pip. The runner's pins and the notebook's go apart: they may name two versions
        of one package (boto3), and the machine installs them in two steps as well."""
        from .environment import runner_pins

        extra = self.records.get(run.id, protocol.REQUIREMENTS_KEY) or b""
        notebook = [line.strip() for line in extra.decode("utf-8", "replace").splitlines()]
        # The machine's Python: the kernel's version, else the image's python3.
        version = run.python_version or self.config.runs_image_pythons[0]
        threading.Thread(
            target=self.fill,
            args=(run.id, runner_pins(), version, architecture, [n for n in notebook if n]),
            name=f"ucdh-wheels-{run.id}",
            daemon=True,
        ).start()

    def fill(
        self,
        run_id: str,
        requirements: list[str],
        python_version: str,
        architecture: str,
        separately: list[str] | None = None,
        answer: RunRecords | None = None,
    ) -> list[str]:
        """Cache the wheels of ``requirements`` for the instance and write the run's
        ``input/wheels.json`` (in ``answer``'s records: a schedule's snapshot; by default
        the runs'); the file names it lists (empty on failure).

        Never raises: any failure is written to ``wheels.json`` as ``{"error": ...}`` for
        the instance to report, and logged without package files or keys.
        ``separately``: more requirements resolved in their own pip call (the notebook's,
        which may pin another version of a package the runner needs: both are cached).
        """
        try:
            with self._slots:
                names = self._fill(run_id, requirements, python_version, architecture)
                if separately:
                    more = self._fill(run_id, separately, python_version, architecture)
                    names = sorted(set(names) | set(more))
        except FillError as error:
            self._answer(run_id, {"error": str(error)}, answer)
            log.warning("ucdh-jupyter: wheel cache for run %s: %s", run_id, error)
            return []
        except Exception as error:  # the run must hear of it, whatever it was
            cause = f"the wheel cache could not be filled ({type(error).__name__})"
            self._answer(run_id, {"error": f"Could not install packages: {cause}."}, answer)
            log.warning("ucdh-jupyter: wheel cache for run %s failed: %r", run_id, type(error))
            return []
        self._answer(run_id, {"wheels": names}, answer)
        return names

    def _answer(self, run_id: str, body: dict[str, Any], answer: RunRecords | None) -> None:
        try:
            data = json.dumps(body).encode()
            (answer or self.records).put(run_id, WHEELS_KEY, data, "application/json")
        except Exception as error:  # the instance then times out waiting, with its own message
            log.warning("ucdh-jupyter: could not write wheels.json of run %s: %r", run_id, error)

    def _fill(
        self, run_id: str, requirements: list[str], python_version: str, architecture: str
    ) -> list[str]:
        if architecture not in ARCHITECTURES:
            raise FillError(f"Could not install packages: unknown architecture {architecture!r}.")
        if not PYTHON_VERSION.fullmatch(python_version):
            raise FillError(f"Could not install packages: unknown Python {python_version!r}.")
        try:
            lines = requirement_lines(requirements)
        except ValueError as error:
            raise FillError(f"Could not install packages: {error}.") from None
        if not lines:
            return []
        with tempfile.TemporaryDirectory(prefix="ucdh-wheels-") as folder:
            dest = Path(folder)
            self._download(lines, python_version, architecture, dest)
            wheels = sorted(path for path in dest.iterdir() if path.name.endswith(".whl"))
            uploaded = self._upload(wheels)
        log.info(
            "ucdh-jupyter: wheel cache for run %s: %d wheels (%d new) for %s",
            run_id,
            len(wheels),
            uploaded,
            ", ".join(lines),
        )
        return [path.name for path in wheels]

    def _download(self, lines: list[str], python: str, architecture: str, dest: Path) -> None:
        command = [sys.executable, "-m", "pip", "download", "--no-input", "--progress-bar=off"]
        command += ["--disable-pip-version-check", "--only-binary=:all:"]
        command += ["--python-version", python, "--implementation", "cp"]
        for tag in platform_tags(architecture):
            command += ["--platform", tag]
        command += ["--dest", str(dest)]
        env = dict(os.environ)
        wheelhouse = self.config.runs_wheelhouse
        if wheelhouse:
            # The wheelhouse alone: no config file or PIP_* variable may add another source.
            env = {name: value for name, value in env.items() if not name.startswith("PIP_")}
            env["PIP_CONFIG_FILE"] = os.devnull
            command += ["--no-index", "--find-links", str(wheelhouse)]
        try:
            done = subprocess.run(  # noqa: S603 - our own interpreter, checked requirements
                [*command, *lines],
                capture_output=True,
                text=True,
                env=env,
                timeout=PIP_TIMEOUT_SECONDS,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise FillError(
                "Could not install packages: fetching the wheels took more than "
                f"{PIP_TIMEOUT_SECONDS // 60} minutes."
            ) from None
        if done.returncode != 0:
            raise FillError(self._explain(done.stdout + done.stderr, python, architecture))

    def _explain(self, output: str, python: str, architecture: str) -> str:
        """pip's failure as the cause and what to do about it."""
        output = CREDENTIALS.sub("", output)
        source = (
            "the wheelhouse (UcdhConfig.runs_wheelhouse)"
            if self.config.runs_wheelhouse
            else "the package index the Jupyter server's pip uses"
        )
        wrong_python = re.search(
            r"Package '([^']+)' requires a different Python: \S+ not in '([^']+)'", output
        )
        if wrong_python:
            name, needed = wrong_python.groups()
            return (
                f"Could not install packages: {name} needs Python {needed}, the run's machine "
                f"uses Python {python}. Pin a version of {name} that supports Python {python} "
                "in requirements.txt next to the notebook."
            )
        missing = re.search(r"No matching distribution found for (\S+)", output)
        if any(sign in output for sign in UNREACHABLE_MARKERS):
            return f"Could not install packages: {source} is unreachable from the Jupyter server."
        if missing:
            name = missing.group(1)
            return (
                f"Could not install packages: {name} has no wheel for Python {python} on "
                f"{architecture} in {source}. Pin a version that publishes one (in "
                "requirements.txt next to the notebook), or ask your administrator to add it."
            )
        if "No module named pip" in output:
            return "Could not install packages: the Jupyter server's Python has no pip."
        errors = [line for line in output.splitlines() if line.startswith("ERROR:")]
        detail = errors[0].removeprefix("ERROR:").strip() if errors else "pip failed"
        return f"Could not install packages: {detail[:300]}"

    def _cached(self) -> dict[str, int]:
        """File name → size of every wheel in the cache (one listing per fill)."""
        found: dict[str, int] = {}
        paginator = self.records.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.records.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                found[item["Key"][len(self.prefix) :]] = int(item["Size"])
        return found

    def _upload(self, wheels: list[Path]) -> int:
        """Upload the wheels the cache lacks (or holds with another size); how many."""
        cached = self._cached()
        uploaded = 0
        for path in wheels:
            if cached.get(path.name) == path.stat().st_size:
                continue
            self.records.s3.upload_file(
                str(path),
                self.records.bucket,
                self.prefix + path.name,
                ExtraArgs=dict(self.records.sse),
            )
            uploaded += 1
        return uploaded
