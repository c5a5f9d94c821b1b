"""The shipped OpenAPI file documents every route, and is the one the models generate."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

from .test_route_security import registered_routes


def test_openapi_documents_every_route(jp_serverapp: Any, jp_base_url: str) -> None:
    spec = yaml.safe_load(files("ucdh_jupyter").joinpath("openapi.yaml").read_text())
    documented = set(spec["paths"])
    prefix = f"{jp_base_url}ucdh-jupyter"
    for path, _handler in registered_routes(jp_serverapp.web_app):
        # A sweep child's routes name the child by its index after the run's id.
        route = path[len(prefix) :].replace("sample", "{id}").replace("en/{id}", "en/{index}")
        assert route in documented or path[len(prefix) :] in documented, route


def test_openapi_file_is_a_valid_openapi_3_document() -> None:
    from openapi_spec_validator import validate

    validate(yaml.safe_load(files("ucdh_jupyter").joinpath("openapi.yaml").read_text()))


def test_the_shipped_spec_is_the_one_the_models_generate() -> None:
    """`make lint` runs the same check: a model changed without `make spec` fails CI."""
    from ucdh_jupyter import openapi

    assert openapi.main(["--check"]) == 0
    assert openapi.SPEC.read_text(encoding="utf-8") == openapi.render()


ROOT = Path(__file__).resolve().parents[2]


def test_a_field_added_to_a_model_is_one_edit_that_reaches_the_spec_and_the_typescript(
    tmp_path: Path,
) -> None:
    """Add a field to the S3 row model in a copy of the package: the check calls the
    shipped spec stale, `make spec`'s two steps put the field in the spec and in the
    TypeScript types, and the server refuses to send a row the model does not have."""
    copy = tmp_path / "ucdh_jupyter"
    shutil.copytree(
        ROOT / "ucdh_jupyter",
        copy,
        ignore=shutil.ignore_patterns("labextension", "__pycache__", "demo", "admin"),
    )
    models = copy / "s3" / "models.py"
    text = models.read_text(encoding="utf-8")
    anchor = 'etag: str = Field(description="Without quotes")\n'
    assert anchor in text
    models.write_text(
        text.replace(anchor, anchor + '    retention_until: str | None = Field(description="x")\n'),
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    run = [sys.executable, "-m", "ucdh_jupyter.openapi"]

    stale = subprocess.run([*run, "--check"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert stale.returncode == 1
    assert "openapi.yaml is stale" in stale.stderr and "make spec" in stale.stderr

    subprocess.run(run, cwd=tmp_path, env=env, check=True, capture_output=True)
    spec = yaml.safe_load((copy / "openapi.yaml").read_text(encoding="utf-8"))
    row = spec["components"]["schemas"]["S3ObjectEntry"]
    assert "retention_until" in row["properties"] and "retention_until" in row["required"]

    types = tmp_path / "schema.ts"
    subprocess.run(
        [
            str(ROOT / "node_modules/.bin/openapi-typescript"),
            str(copy / "openapi.yaml"),
            *("--default-non-nullable", "false", "--output", str(types)),
        ],
        check=True,
        capture_output=True,
    )
    entry = types.read_text(encoding="utf-8").split("S3ObjectEntry: {", 1)[1].split("};", 1)[0]
    assert "retention_until: string | null;" in entry


def test_a_reply_that_breaks_its_model_is_refused_naming_fields_not_values() -> None:
    from ucdh_jupyter.contract import ReplyError, reply
    from ucdh_jupyter.s3.models import S3ObjectEntry

    row = {
        "key": "patient-0042/scan.dcm",
        "name": "scan.dcm",
        "size": 12,
        "last_modified": None,
        "storage_class": "STANDARD",
        "etag": "abc",
    }
    assert reply(S3ObjectEntry, row) == row
    with pytest.raises(ReplyError) as caught:
        reply(S3ObjectEntry, {**row, "owner_email": "jdoe@example.org"})
    assert "owner_email" in str(caught.value)
    with pytest.raises(ReplyError) as caught:
        reply(S3ObjectEntry, {**row, "size": "12"})
    assert "size" in str(caught.value)
    assert "patient-0042" not in str(caught.value) and "jdoe" not in str(caught.value)
