"""The local wheelhouse of the demo and the tests: every wheel a stand-in run machine
installs (the runner's packages and the demo notebooks' imports, at the versions
installed here), downloaded once by ``make install`` so runs need no internet.

The server fills each run's S3 wheel cache from it (``UcdhConfig.runs_wheelhouse``).
``python -m ucdh_jupyter.demo.wheelhouse FOLDER``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).parent / "notebooks"
# Where `make install` puts it; UCDH_WHEELHOUSE overrides.
DEFAULT = Path(__file__).resolve().parents[2] / "build" / "wheelhouse"


def wheelhouse() -> str:
    """The wheelhouse folder the demo and the tests use."""
    return os.environ.get("UCDH_WHEELHOUSE") or str(DEFAULT)


def requirements() -> list[str]:
    """The runner's pins and the demo notebooks' imports pinned to this environment."""
    from ucdh_jupyter.runs.environment import runner_pins
    from ucdh_jupyter.runs.notebook import top_level_imports
    from ucdh_jupyter.runs.pinning import report

    modules: set[str] = set()
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        if (notebook.get("metadata", {}).get("kernelspec") or {}).get("language", "python") == (
            "python"
        ):
            modules |= top_level_imports(notebook)
    pins = report(sorted(modules), [])["pins"]
    return sorted(set(runner_pins()) | set(pins))


def main() -> int:
    """Download the wheels (binary only) into the folder given, and bake the stand-in
    image's runner venv from them."""
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else wheelhouse())
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:"]
    downloaded = subprocess.run(  # noqa: S603 - pip of this environment
        [*command, "-d", str(folder), *requirements()], check=False
    )
    if downloaded.returncode != 0:
        return downloaded.returncode
    # The stand-in image's baked runner venv, built now rather than at the first run.
    from ucdh_jupyter.demo.localimage import baked_runner_venv, host_pythons
    from ucdh_jupyter.runs.environment import runner_pins

    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    interpreter = host_pythons().get(minor)
    if interpreter:
        baked_runner_venv(interpreter, runner_pins(), folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
