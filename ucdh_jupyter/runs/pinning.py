"""Pins of a notebook's imports, read in the interpreter that runs the notebook's kernel.

This module is self-contained (standard library only, Python 3.8 and later) because it
runs in two ways: imported by the Jupyter server when the kernel's Python is the
server's own, and otherwise handed as source to the kernel's interpreter
(``python -c``), which may have none of the server's packages. There it reads a JSON
list of module names on stdin and writes one JSON object on stdout (:func:`report`).
"""

from __future__ import annotations

import json
import sys
from importlib import metadata


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


def _top_level_names(dist: metadata.Distribution) -> set:
    """Top-level modules a distribution provides: ``top_level.txt``, else its RECORD."""
    declared = (dist.read_text("top_level.txt") or "").split()
    if declared:
        return set(declared)
    names = set()
    for path in dist.files or ():
        parts = path.parts
        if not parts or parts[0].endswith((".dist-info", ".egg-info")) or parts[0] == "..":
            continue
        if len(parts) == 1:
            stem, _, suffix = parts[0].partition(".")
            if suffix in ("py", "pyc") or suffix.endswith(("so", "pyd")):
                names.add(stem)
        elif parts[0] != "__pycache__":
            names.add(parts[0])
    return names


def _providers() -> dict:
    """Module name -> distributions providing it (``packages_distributions``, which
    Python 3.9 and older lack, written out)."""
    found: dict = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        for module in _top_level_names(dist):
            found.setdefault(module, []).append(dist)
    return found


def report(modules: list, stdlib: list) -> dict:
    """``{"python": "3.12", "pins": [...], "unresolved": [...]}`` for top-level modules.

    Standard-library modules are skipped (``stdlib``: the caller's list, for Pythons
    older than 3.10 that cannot list their own); modules no installed distribution
    provides, or only one installed from a local path, are unresolved.
    """
    standard = set(getattr(sys, "stdlib_module_names", ()) or stdlib)
    standard.update(sys.builtin_module_names)
    wanted = sorted(set(modules) - standard)
    providers = _providers() if wanted else {}
    pins = set()
    unresolved = []
    for module in wanted:
        dists = providers.get(module) or []
        from_index = [dist for dist in dists if _installed_from_index(dist)]
        if not from_index:
            unresolved.append(module)
        for dist in from_index:
            pins.add(dist.metadata["Name"] + "==" + dist.version)
    return {
        "python": "{}.{}".format(*sys.version_info[:2]),
        "pins": sorted(pins, key=str.lower),
        "unresolved": unresolved,
    }


if __name__ == "__main__":
    # Started by the server in an empty folder, so that no file there (a json.py next
    # to a notebook) shadows the standard library through sys.path[0].
    request = json.loads(sys.stdin.read())
    sys.stdout.write(json.dumps(report(request["modules"], request["stdlib"])))
