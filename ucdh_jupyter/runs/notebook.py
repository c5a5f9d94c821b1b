"""What a run needs to know from inside a notebook: its language, its parameters and
its imports.

Read statically (``ast`` for Python, :mod:`.notebook_r` for R) from the saved
``.ipynb``: nothing is executed, so this is safe on the server and works without a kernel.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any, Literal

from ..errors import bad_request
from .notebook_r import check_r_values, r_assignments, r_libraries, r_parameters

Language = Literal["python", "r"]
# The kernel a run's machine starts: its own Python kernel or IRkernel, whatever the
# kernel was called where the notebook was written (a conda env name means nothing there).
KERNELS: dict[str, str] = {"python": "python3", "r": "ir"}


def load_notebook(path: Path) -> dict[str, Any]:
    """The notebook at ``path`` as JSON, or a 400 saying what is wrong with it."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise bad_request(f"The notebook {path.name!r} does not exist; save it first.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"{path.name!r} is not a valid notebook file.") from exc
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise bad_request(f"{path.name!r} is not a valid notebook file.")
    return notebook


def _text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _source(cell: dict[str, Any]) -> str:
    text = _text(cell)
    # IPython magics and shell escapes are not Python; drop them before parsing.
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines()
    )


def _parse(cell: dict[str, Any]) -> ast.Module | None:
    try:
        return ast.parse(_source(cell))
    except SyntaxError:
        return None


def notebook_language(notebook: dict[str, Any]) -> Language:
    """``"r"`` for a notebook written with an R kernel, else ``"python"``: from the
    kernelspec's language, then ``language_info`` (what the kernel reported), then an
    ``ir`` kernelspec name."""
    metadata = notebook.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    kernelspec = metadata.get("kernelspec")
    kernelspec = kernelspec if isinstance(kernelspec, dict) else {}
    info = metadata.get("language_info")
    info = info if isinstance(info, dict) else {}
    for named in (kernelspec.get("language"), info.get("name")):
        if isinstance(named, str) and named.strip():
            return "r" if named.strip().lower() == "r" else "python"
    return "r" if kernelspec.get("name") == "ir" else "python"


def kernel_name(notebook: dict[str, Any]) -> str:
    """The kernel that executes the notebook on a run's machine: ``ir`` or ``python3``."""
    return KERNELS[notebook_language(notebook)]


def code_cells(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    """The code cells of a notebook."""
    return [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"]


def parameters_cell(notebook: dict[str, Any]) -> dict[str, Any] | None:
    """The first cell tagged ``parameters`` (papermill's convention), or None."""
    for cell in code_cells(notebook):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def notebook_parameters(notebook: dict[str, Any]) -> dict[str, Any]:
    """Names assigned in the parameters cell, with their default when it is a literal.

    ``{"alpha": 0.1, "cohort": "A", "start": None}``; a default that is not a
    literal (``start = date.today()``, R's ``start <- Sys.Date()``) is reported as None.
    """
    cell = parameters_cell(notebook)
    if notebook_language(notebook) == "r":
        return r_parameters(_text(cell)) if cell else {}
    tree = _parse(cell) if cell else None
    found: dict[str, Any] = {}
    for node in tree.body if tree else []:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name):
                try:
                    found[target.id] = ast.literal_eval(value) if value is not None else None
                except ValueError:
                    found[target.id] = None
    return found


def check_parameters(notebook: dict[str, Any], parameters: dict[str, Any]) -> None:
    """Refuse parameters the notebook does not declare (a typo would be silently ignored)."""
    if not parameters:
        return
    if parameters_cell(notebook) is None:
        raise bad_request(
            "This notebook has no parameters cell, so parameters cannot be passed.",
            "Tag the cell that sets the defaults with 'parameters' (cell toolbar → "
            "Property Inspector → Cell Tags), save, and try again.",
        )
    declared = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise bad_request(
            f"Unknown parameters: {', '.join(unknown)}.",
            f"The parameters cell declares: {', '.join(sorted(declared)) or 'nothing'}.",
        )
    try:
        json.dumps(parameters)
    except (TypeError, ValueError) as exc:
        raise bad_request("Parameter values must be numbers, text, booleans or lists.") from exc
    if notebook_language(notebook) == "r":
        check_r_values(parameters)


def top_level_imports(notebook: dict[str, Any]) -> set[str]:
    """Top-level module names imported by the code cells (``pandas`` for ``pandas.io``).

    Relative imports are left out: they are the notebook's own files. An R notebook
    imports no Python module (see :func:`r_packages` for what it loads).
    """
    modules: set[str] = set()
    if notebook_language(notebook) == "r":
        return modules
    for cell in code_cells(notebook):
        tree = _parse(cell)
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    return modules


def r_packages(notebook: dict[str, Any]) -> set[str]:
    """R packages an R notebook loads with ``library()``/``require()`` (empty for Python)."""
    if notebook_language(notebook) != "r":
        return set()
    return r_libraries([_text(cell) for cell in code_cells(notebook)])


def inject_parameters(notebook: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``notebook`` with the parameters set, as papermill does it: a cell tagged
    ``injected-parameters`` right after the ``parameters`` cell, assigning each value.

    Used where papermill does not run the notebook itself (Databricks); values are
    JSON-like, so their ``repr`` is a Python literal; R gets papermill's R translation.
    """
    copy = json.loads(json.dumps(notebook))
    if not parameters:
        return copy
    if notebook_language(notebook) == "r":
        source = r_assignments(parameters)
    else:
        lines = ["# Parameters"] + [f"{name} = {value!r}" for name, value in parameters.items()]
        source = "\n".join(lines) + "\n"
    cell: dict[str, Any] = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": ["injected-parameters"]},
        "outputs": [],
        "source": source,
    }
    if copy.get("nbformat", 4) == 4 and copy.get("nbformat_minor", 0) >= 5:
        cell["id"] = f"injected-{os.urandom(4).hex()}"  # nbformat 4.5 cells need an id
    cells = copy["cells"]
    target = parameters_cell(copy)
    cells.insert(cells.index(target) + 1 if target is not None else 0, cell)
    return copy
