"""The Python environment a run installs: the folder's ``requirements.txt``, or the
packages the notebook imports pinned to the versions installed here.

Pinning to what is installed here reproduces the researcher's working environment
on the run's machine; this is evaluated in the process that calls it (the Jupyter
server, or the kernel for the notebook magics).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .notebook import top_level_imports

REQUIREMENTS = "requirements.txt"


@dataclass
class EnvironmentSpec:
    """What will be installed on the run's machine, and why."""

    source: str
    requirements: str
    unresolved: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """For the run dialog: where the list comes from, the lines, what was left out."""
        return {
            "source": self.source,
            "packages": [line for line in self.requirements.splitlines() if line.strip()],
            "unresolved": self.unresolved,
        }


def _installed_from_index(dist: metadata.Distribution) -> bool:
    """False for editable or local-path installs: pip on another machine cannot get them."""
    direct = dist.read_text("direct_url.json")
    if not direct:
        return True
    try:
        url = str(json.loads(direct).get("url", ""))
    except ValueError:
        return True
    return not url.startswith("file:")


def pin_imports(modules: Iterable[str]) -> tuple[list[str], list[str]]:
    """``(["pandas==2.2.3", ...], ["mylocalmodule", ...])`` for top-level module names.

    Standard-library modules are skipped; modules that no installed distribution
    provides (the notebook's own files) or that came from a local path are returned
    as unresolved, for the dialog to show.
    """
    providers = metadata.packages_distributions()
    pins: set[str] = set()
    unresolved: list[str] = []
    for module in sorted(set(modules)):
        if module in sys.stdlib_module_names or module in sys.builtin_module_names:
            continue
        names = providers.get(module)
        if not names:
            unresolved.append(module)
            continue
        for name in names:
            dist = metadata.distribution(name)
            if _installed_from_index(dist):
                pins.add(f"{dist.metadata['Name']}=={dist.version}")
            else:
                unresolved.append(module)
    return sorted(pins, key=str.lower), unresolved


def environment_for(notebook_file: Path, notebook: dict[str, Any]) -> EnvironmentSpec:
    """The folder's requirements.txt if there is one, else the notebook's imports pinned."""
    requirements = notebook_file.parent / REQUIREMENTS
    if requirements.is_file():
        return EnvironmentSpec(REQUIREMENTS, requirements.read_text(encoding="utf-8"))
    pins, unresolved = pin_imports(top_level_imports(notebook))
    text = "".join(f"{pin}\n" for pin in pins)
    return EnvironmentSpec("imports pinned to this environment", text, unresolved)
