"""The demo's example notebooks open unchanged: JupyterLab finds nothing to rewrite in them,
so "Run on AWS" does not ask to save a file nobody touched.

JupyterLab marks a notebook changed when opening it alters its model: an nbformat upgrade,
cells given ids, or the ``kernelspec`` / ``language_info`` its kernel reports differing from
the file's. The first three are properties of the files; the last depends on the machine,
so the demo writes each copy with the metadata of the kernel it will meet.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel

from ucdh_jupyter.demo.seed import demo_notebook
from ucdh_jupyter.demo.services import NOTEBOOKS, prepare_workspace

from .patience import patient

EXAMPLES = sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_every_demo_notebook_is_already_in_the_form_jupyterlab_saves(path: Path) -> None:
    # Given an example notebook as shipped
    text = path.read_text(encoding="utf-8")
    notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    # Then it is valid, needs no nbformat upgrade and every cell has an id
    nbformat.validate(notebook)
    assert (notebook.nbformat, notebook.nbformat_minor) == (
        nbformat.current_nbformat,
        nbformat.current_nbformat_minor,
    )
    assert all(cell.get("id") for cell in notebook.cells)
    upgraded = nbformat.reads(text, as_version=nbformat.current_nbformat)
    assert upgraded == notebook
    # and saving it again would write the same bytes
    assert nbformat.writes(notebook) + "\n" == text


@pytest.fixture(scope="module")
def kernel_reports() -> Iterator[dict[str, dict[str, Any]]]:
    """What each kernel the examples use tells JupyterLab when it connects: its spec's
    display name and language, and the ``language_info`` of its kernel_info reply."""
    names = {json.loads(path.read_text())["metadata"]["kernelspec"]["name"] for path in EXAMPLES}
    installed = KernelSpecManager().find_kernel_specs()
    reports: dict[str, dict[str, Any]] = {}
    for name in sorted(names & set(installed)):
        spec = KernelSpecManager().get_kernel_spec(name)
        manager, client = start_new_kernel(kernel_name=name, startup_timeout=patient(30))
        try:
            reply = client.kernel_info(reply=True, timeout=patient(15))
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
        reports[name] = {
            "kernelspec": {
                "display_name": spec.display_name,
                "language": spec.language,
                "name": name,
            },
            "language_info": reply["content"]["language_info"],
        }
    yield reports


def test_the_demo_writes_each_example_with_what_its_kernel_reports(
    tmp_path: Path, kernel_reports: dict[str, dict[str, Any]]
) -> None:
    # Given the Python kernel at least (the R one when IRkernel is installed)
    assert "python3" in kernel_reports
    # When the demo prepares its Jupyter root
    root = prepare_workspace(tmp_path / "root")
    for path in EXAMPLES:
        copy = nbformat.read(root / path.name, as_version=nbformat.NO_CONVERT)
        name = copy.metadata.kernelspec.name
        if name not in kernel_reports:
            continue
        # Then what JupyterLab sets on connecting to the kernel is already there
        # (a difference, even a display name or a version, marks the notebook changed)
        for key in ("kernelspec", "language_info"):
            assert copy.metadata[key] == kernel_reports[name][key], (path.name, key)
        # and the cells are the shipped ones, in the saved form
        assert copy.cells == nbformat.reads(demo_notebook(path), as_version=4).cells
        assert (root / path.name).read_text() == demo_notebook(path)


def test_the_demo_never_overwrites_a_notebook_the_researcher_changed(tmp_path: Path) -> None:
    # Given a demo root whose welcome notebook the researcher edited
    root = prepare_workspace(tmp_path / "root")
    (root / "welcome.ipynb").write_text("edited")
    # When the demo starts again, the edit stays
    prepare_workspace(root)
    assert (root / "welcome.ipynb").read_text() == "edited"
    # and so does a notebook edit
    notebook = nbformat.reads(demo_notebook(NOTEBOOKS / "welcome.ipynb"), as_version=4)
    notebook.cells[0].source = "# My study"
    nbformat.write(notebook, root / "welcome.ipynb")
    before = (root / "welcome.ipynb").read_text()
    prepare_workspace(root)
    assert (root / "welcome.ipynb").read_text() == before


def test_an_untouched_copy_from_an_earlier_demo_gets_this_machines_metadata(
    tmp_path: Path,
) -> None:
    # Given a demo root copied by an earlier version: the shipped cells, other metadata
    root = tmp_path / "root"
    root.mkdir()
    old = nbformat.reads(demo_notebook(NOTEBOOKS / "welcome.ipynb"), as_version=4)
    old.metadata.kernelspec.display_name = "Python 3"
    old.metadata.language_info = {"name": "python"}
    nbformat.write(old, root / "welcome.ipynb")
    # When the demo starts, the copy is brought to what this machine's kernel reports
    prepare_workspace(root)
    assert (root / "welcome.ipynb").read_text() == demo_notebook(NOTEBOOKS / "welcome.ipynb")
