"""The shipped OpenAPI file documents every registered route."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import yaml

from .test_route_security import registered_routes


def test_openapi_documents_every_route(jp_serverapp: Any, jp_base_url: str) -> None:
    spec = yaml.safe_load(files("ucdh_jupyter").joinpath("openapi.yaml").read_text())
    documented = set(spec["paths"])
    prefix = f"{jp_base_url}ucdh-jupyter"
    for path, _handler in registered_routes(jp_serverapp.web_app):
        route = path[len(prefix) :].replace("sample", "{id}")
        assert route in documented or path[len(prefix) :] in documented, route


def test_openapi_file_is_a_valid_openapi_3_document() -> None:
    from openapi_spec_validator import validate

    validate(yaml.safe_load(files("ucdh_jupyter").joinpath("openapi.yaml").read_text()))
