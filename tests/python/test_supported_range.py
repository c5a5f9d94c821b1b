"""The oldest JupyterLab the extension supports is declared alike on both sides.

The Python package pins ``jupyterlab>=<oldest>``; the frontend is built against that
release's shared packages (``scripts/jupyterlab-<oldest>-core.package.json``), and every
``@jupyterlab``/``@lumino`` dependency must be met by that release, or JupyterLab
<oldest> would install the wheel and then mark the extension incompatible. ``make
matrix`` proves the oldest and newest releases in a browser; this test keeps the
declarations from drifting apart between matrix runs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _oldest_from_pyproject() -> tuple[int, ...]:
    # A regex, not tomllib: the suite also runs on Python 3.10.
    text = (ROOT / "pyproject.toml").read_text()
    (spec,) = re.findall(r'^\s*"(jupyterlab\s*[><=][^"]*)"', text, flags=re.M)
    low = re.search(r">=\s*([\d.]+)", spec)
    assert low, f"pyproject.toml declares no lowest JupyterLab: {spec!r}"
    assert re.search(r"<\s*5\b", spec), f"JupyterLab 5 is not excluded: {spec!r}"
    return _version(low.group(1))


def _core_file() -> Path:
    scripts = json.loads((ROOT / "package.json").read_text())["scripts"]
    found = re.search(r"--core-package-file\s+(\S+)", scripts["build:labextension"])
    assert found, "the labextension is not built against a pinned JupyterLab core"
    return ROOT / found.group(1)


def test_the_python_package_and_the_frontend_build_name_the_same_oldest_jupyterlab() -> None:
    core = json.loads(_core_file().read_text())
    assert _version(core["version"])[:2] == _oldest_from_pyproject()[:2]
    # The development build uses the same core as the release build.
    scripts = json.loads((ROOT / "package.json").read_text())["scripts"]
    assert _core_file().name in scripts["build:labextension:dev"]


def test_every_shared_frontend_dependency_is_met_by_the_oldest_jupyterlab() -> None:
    """``@jupyterlab`` packages: the oldest release's own versions (pinned ``~x.y.z``
    there) meet ours. Lumino and React: the same major; the built extension asks the
    page for the core's range, not ours (``@jupyter/builder``), so only a major
    apart would break."""
    core = json.loads(_core_file().read_text())["resolutions"]
    deps = json.loads((ROOT / "package.json").read_text())["dependencies"]
    shared = {
        name: wanted
        for name, wanted in deps.items()
        if name.startswith(("@jupyterlab/", "@lumino/")) or name == "react"
    }
    assert "@jupyterlab/application" in shared
    unmet = []
    for name, wanted in shared.items():
        assert wanted.startswith("^"), f"{name} {wanted}: use a caret range"
        offered = core.get(name)
        assert offered is not None, f"{name} is not a package JupyterLab shares"
        need, have = _version(wanted), _version(offered)
        own = name.startswith("@jupyterlab/")
        if need[0] != have[0] or (own and need > have):
            unmet.append(f"{name}: we need {wanted}, the oldest JupyterLab has {offered}")
    assert not unmet, "\n".join(unmet)


def test_the_readme_states_the_declared_range() -> None:
    major, minor = _oldest_from_pyproject()[:2]
    readme = (ROOT / "README.md").read_text()
    assert f"Supported: **JupyterLab {major}.{minor} to the newest 4.x**" in readme
