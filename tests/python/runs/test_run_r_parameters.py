"""R notebooks seen from the server: their language and kernel, the parameters the run
dialog offers, and the values a run may pass — exactly those papermill's R translator
writes as valid R (on EC2 papermill injects them; on Databricks the backend writes the
same cell), checked against papermill's own translator and a real R.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import nbformat
import pytest
from papermill.translators import translate_parameters

from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs.notebook import (
    check_parameters,
    inject_parameters,
    kernel_name,
    notebook_language,
    notebook_parameters,
    r_packages,
    top_level_imports,
)
from ucdh_jupyter.runs.notebook_r import r_assignments
from ucdh_jupyter.runs.service import RunService

from ..patience import patient
from .test_run_r_databricks import write_r_notebook

R_PARAMETERS = """\
alpha <- 0.5   # the rate
label = "site A # not a comment"
n_max <- 10L; strict <- TRUE
previous <- NULL
ratio <- -2.5e3
quoted <- 'it\\'s \\u00e9'
ages <- c(40,
          50)
today <- Sys.Date()
min.age <- 18
x == 5
"""


def r_notebook(parameters: str | None = R_PARAMETERS, *cells: str) -> dict[str, Any]:
    """An R notebook as a dict, with a parameters cell."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        notebook.cells.append(cell)
    notebook.cells.extend(nbformat.v4.new_code_cell(source) for source in cells)
    return dict(nbformat.from_dict(notebook))


def run_r(code: str) -> str:
    """What Rscript prints for ``code``."""
    done = subprocess.run(
        ["Rscript", "-e", code],
        capture_output=True,
        text=True,
        timeout=patient(15),
        check=False,
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize(
    ("metadata", "language", "kernel"),
    [
        ({"kernelspec": {"name": "ir", "language": "R"}}, "r", "ir"),
        ({"kernelspec": {"name": "my-r-env", "language": "r"}}, "r", "ir"),
        ({"language_info": {"name": "R"}}, "r", "ir"),
        ({"kernelspec": {"name": "ir"}}, "r", "ir"),
        ({"kernelspec": {"name": "conda-env-py", "language": "python"}}, "python", "python3"),
        ({"language_info": {"name": "python"}}, "python", "python3"),
        ({}, "python", "python3"),
        ({"kernelspec": "not an object"}, "python", "python3"),
    ],
)
def test_notebook_language_and_kernel_come_from_its_metadata(
    metadata: dict[str, Any], language: str, kernel: str
) -> None:
    # Given a notebook's metadata, Then its language and the kernel a run starts follow
    notebook = {"cells": [], "metadata": metadata}
    assert notebook_language(notebook) == language
    assert kernel_name(notebook) == kernel


def test_run_dialog_offers_the_parameters_of_an_r_notebook_with_their_literal_defaults() -> None:
    # Given an R parameters cell with <-, =, ;, comments, strings and calls
    # When it is read, Then every assigned name is a parameter, literals with their value
    assert notebook_parameters(r_notebook()) == {
        "alpha": 0.5,
        "label": "site A # not a comment",
        "n_max": 10,
        "strict": True,
        "previous": None,
        "ratio": -2500.0,
        "quoted": "it's é",
        "ages": None,  # c(...) is a call: shown without a default, kept as written
        "today": None,
        "min.age": 18,
    }


def test_prepare_route_shows_the_r_parameters(run_service: RunService, tmp_path: Path) -> None:
    # Given an R notebook saved in the workspace
    write_r_notebook(tmp_path / "study" / "r.ipynb", "cat(alpha)", parameters="alpha <- 0.5")
    # When the run dialog prepares it, Then it offers the parameter with its default
    prepared = run_service.prepare("study/r.ipynb", tmp_path)
    assert prepared["parameters"] == {"alpha": 0.5}


def test_r_notebook_pins_no_python_module_and_lists_its_r_packages() -> None:
    # Given an R notebook that loads packages (one only in a comment)
    notebook = r_notebook(
        None, "library(stats)\nsuppressMessages(require('survival'))", "# library(no)"
    )
    # Then no Python module is imported, and its R packages are named
    assert top_level_imports(notebook) == set()
    assert r_packages(notebook) == {"stats", "survival"}


ACCEPTED: list[Any] = [
    0.5,
    -3,
    10**6,
    1e-05,
    True,
    False,
    None,
    "plain text",
    'quotes " and \\ backslash',
    "line\nbreak\ttab",
    "dash \u2013 and emoji \U0001f600",
]


@pytest.mark.parametrize("value", ACCEPTED)
def test_values_accepted_for_r_reach_r_unchanged_through_papermills_translation(
    value: Any,
) -> None:
    # Given a value the server accepts for an R notebook
    notebook = r_notebook("x <- 1")
    check_parameters(notebook, {"x": value})
    # Then the backend writes the very cell papermill writes on EC2
    assert r_assignments({"x": value}) == translate_parameters("ir", "R", {"x": value})
    # And R reads that cell back as the value sent
    to_json = 'cat(jsonlite::toJSON(x, auto_unbox = TRUE, digits = NA, null = "null"))'
    printed = json.loads(run_r(r_assignments({"x": value}) + to_json))
    assert printed == (pytest.approx(value) if isinstance(value, float) else value)


@pytest.mark.parametrize(
    ("value", "because"),
    [
        ([40, 50], "list()"),
        ({"a": 1}, "list()"),
        (float("nan"), "Inf and NaN"),
        (float("inf"), "Inf and NaN"),
        ("café", "Latin-1"),
    ],
)
def test_values_papermill_cannot_write_as_r_are_a_400_naming_the_parameter(
    value: Any, because: str
) -> None:
    # Given an R notebook with a parameter x
    notebook = r_notebook("x <- 1")
    # When a value papermill cannot inject is passed, Then a 400 names x and why
    with pytest.raises(UcdhError) as refused:
        check_parameters(notebook, {"x": value})
    assert refused.value.status == 400
    assert "'x'" in refused.value.message and because in refused.value.message
    assert refused.value.hint


def test_a_latin1_letter_is_refused_because_papermill_would_break_it_in_r() -> None:
    # Given papermill's R cell for "café" (why the value above is refused)
    cell = translate_parameters("ir", "R", {"x": "café"})
    # Then R cannot use the string it reads
    assert "invalid multibyte string" in run_r(cell + "cat(nchar(x))")


def test_python_notebooks_keep_python_values_and_injection() -> None:
    # Given a Python notebook, Then lists and accented text are still accepted
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "x = 1"}],
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
    }
    check_parameters(notebook, {"x": [1, "café"]})
    # And the injected cell is Python
    injected = inject_parameters(notebook, {"x": [1, "café"]})["cells"][1]["source"]
    assert injected == "# Parameters\nx = [1, 'café']\n"


def test_r_notebooks_get_an_r_injected_parameters_cell() -> None:
    # Given an R notebook, When parameters are injected for Databricks
    injected = inject_parameters(r_notebook("n <- 1"), {"n": 5, "label": "A", "on": True})
    cell = injected["cells"][1]
    # Then the cell after the parameters cell is papermill's R cell
    assert cell["metadata"]["tags"] == ["injected-parameters"]
    assert cell["source"] == '# Parameters\nn = 5\nlabel = "A"\non = TRUE\n'
