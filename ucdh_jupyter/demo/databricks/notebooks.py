"""Notebook formats the workspace speaks (ipynb JSON, Databricks ``SOURCE``, HTML), and what
a finished run reads back from its executed notebook: the error and the exit value.

Notebooks are kept as plain nbformat-4 dicts so they can be stored, copied and sent as
JSON without a kernel or nbformat objects in between.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import invalid

PYTHON, R = "PYTHON", "R"
# The kernel each notebook language runs on: IRkernel for R, as a cluster runs R cells.
KERNELSPECS: dict[str, dict[str, str]] = {
    PYTHON: {"name": "python3", "display_name": "Python 3", "language": "python"},
    R: {"name": "ir", "display_name": "R", "language": "R"},
}
SOURCE_HEADER = "# Databricks notebook source"
CELL_SEPARATOR = "# COMMAND ----------"
MAGIC = "# MAGIC"
EXIT_TAG = "databricks-exit"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def parse_ipynb(data: bytes) -> dict[str, Any]:
    """The notebook in ``data`` upgraded to nbformat 4, or a 400 if it is not one."""
    import nbformat

    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # nbformat raises a zoo of JSON/validation errors
        raise invalid("The content is not a valid Jupyter notebook (.ipynb).") from exc
    return json.loads(json.dumps(notebook))


def new_notebook(cells: list[dict[str, Any]], language: str = PYTHON) -> dict[str, Any]:
    """An nbformat-4 notebook with the kernel of ``language``, as an imported source
    file gets."""
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = dict(KERNELSPECS[language])
    return json.loads(json.dumps(notebook))


def language_of(notebook: dict[str, Any]) -> str:
    """PYTHON or R: the language a Jupyter import gets from the notebook's own metadata."""
    from ...runs.notebook import notebook_language

    return R if notebook_language(notebook) == "r" else PYTHON


def from_source(text: str, language: str = PYTHON) -> dict[str, Any]:
    """A notebook from Databricks' source format (cells split by ``# COMMAND``), which
    is the same for Python and R: both comment with ``#``."""
    import nbformat

    lines = text.splitlines()
    if lines and lines[0].strip() == SOURCE_HEADER:
        lines = lines[1:]
    chunks: list[list[str]] = [[]]
    for line in lines:
        if line.strip() == CELL_SEPARATOR:
            chunks.append([])
        else:
            chunks[-1].append(line)
    cells = []
    for chunk in chunks:
        body = "\n".join(chunk).strip("\n")
        magic = [line[len(MAGIC) :].removeprefix(" ") for line in chunk if line.strip()]
        all_magic = all(line.startswith(MAGIC) for line in chunk if line.strip())
        if magic and all_magic and magic[0].startswith("%md"):
            markdown = "\n".join([magic[0][3:].strip(), *magic[1:]]).strip("\n")
            cells.append(nbformat.v4.new_markdown_cell(markdown))
        elif body:
            cells.append(nbformat.v4.new_code_cell(body))
    return new_notebook(cells, language)


def to_source(notebook: dict[str, Any]) -> str:
    """Databricks' source format of a notebook (what ``format=SOURCE`` exports)."""
    parts = []
    for cell in notebook.get("cells", []):
        source = _text(cell.get("source")).rstrip("\n")
        if cell.get("cell_type") == "markdown":
            lines = ["%md", *source.splitlines()]
            parts.append("\n".join(f"{MAGIC} {line}".rstrip() for line in lines))
        elif cell.get("cell_type") == "code":
            parts.append(source)
    return SOURCE_HEADER + "\n" + f"\n\n{CELL_SEPARATOR}\n\n".join(parts) + "\n"


def to_html(notebook: dict[str, Any]) -> str:
    """The notebook rendered by nbconvert, outputs included."""
    import nbformat
    from nbconvert import HTMLExporter

    # reads() joins the on-disk list-of-lines sources that nbconvert cannot take.
    node = nbformat.reads(json.dumps(notebook), as_version=4)
    html, _ = HTMLExporter().from_notebook_node(node)
    return str(html)


def failure(notebook: dict[str, Any]) -> tuple[str, str] | None:
    """``("ZeroDivisionError: division by zero", traceback)`` of the first failed cell."""
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                error = f"{output.get('ename')}: {output.get('evalue')}"
                trace = "\n".join(_ANSI.sub("", line) for line in output.get("traceback", []))
                return error, trace
    return None


def exit_value(notebook: dict[str, Any]) -> str | None:
    """The last text output of the cell tagged ``databricks-exit``: our
    ``dbutils.notebook.exit`` stand-in. None if the notebook raised or has no such cell."""
    if notebook.get("metadata", {}).get("papermill", {}).get("exception"):
        return None
    tagged = [
        cell
        for cell in notebook.get("cells", [])
        if EXIT_TAG in cell.get("metadata", {}).get("tags", [])
    ]
    texts = []
    for output in tagged[-1].get("outputs", []) if tagged else []:
        if output.get("output_type") == "stream":
            texts.append(_text(output.get("text")))
        elif "text/plain" in output.get("data", {}):
            texts.append(_text(output["data"]["text/plain"]))
    return texts[-1].rstrip("\n") if texts else None
