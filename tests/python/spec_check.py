"""Every answer a test receives from a ucdh-jupyter route is checked against the shipped
OpenAPI document: a documented status for that path and method, and (for JSON) a body
matching the documented schema.

The route fixtures of ``conftest.py`` call :func:`check_response`, so each of the route
tests is also a contract test on a real server answer, not only schemathesis' generated
requests. A route the spec does not know, a status it does not list, a missing required
field or an undeclared one (``additionalProperties: false``) fails the test that saw it.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator

PREFIX = "ucdh-jupyter/"


@cache
def spec() -> dict[str, Any]:
    """The OpenAPI document shipped in the wheel, with nullable references made explicit."""
    return _nullable(yaml.safe_load(files("ucdh_jupyter").joinpath("openapi.yaml").read_text()))


def _nullable(node: Any) -> Any:
    """``nullable: true`` beside ``allOf: [$ref]`` (OpenAPI 3.0's way to say "this schema or
    null") as ``anyOf: [schema, null]``: the validator applies ``nullable`` only next to a
    ``type``, while schemathesis and openapi-typescript read it as meant."""
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable(value) for key, value in node.items()}
    if node.get("nullable") is True and "type" not in node:
        rest = {key: value for key, value in node.items() if key != "nullable"}
        return {"anyOf": [rest, {"enum": [None]}]}
    return node


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Each documented path as a pattern (``{id}`` is one path segment)."""
    return [
        (re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"), path)
        for path in spec()["paths"]
    ]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/components/responses/...``) once."""
    ref = node.get("$ref")
    if not ref:
        return node
    target: Any = spec()
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return dict(target)


def documented_path(path: str) -> str:
    """The spec's path template of a route path (``runs/abc/log`` → ``/runs/{id}/log``)."""
    bare = "/" + path.split("?", 1)[0].removeprefix("/").removeprefix(PREFIX).rstrip("/")
    for pattern, template in _templates():
        if pattern.match(bare):
            return template
    raise AssertionError(f"{bare} is not a path of openapi.yaml")


def check_response(method: str, path: str, status: int, content_type: str, body: Any) -> None:
    """Fail unless (status, body) is what openapi.yaml documents for ``method path``."""
    template = documented_path(path)
    operation = spec()["paths"][template].get(method.lower())
    assert operation is not None, f"{method} {template} is not in openapi.yaml"
    responses = operation["responses"]
    key = str(status)
    if key not in responses:
        key = f"{str(status)[0]}XX"
    assert key in responses, f"{method} {template} answered {status}, not documented"
    response = _resolve(responses[key])
    media = (response.get("content") or {}).get("application/json")
    if media is None or not content_type.startswith("application/json"):
        return
    schema = {**media["schema"], "components": spec()["components"]}
    errors = sorted(OAS30Validator(schema).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, f"{method} {template} {status}: " + "; ".join(
        f"{'/'.join(map(str, e.path)) or 'body'}: {e.message}" for e in errors[:5]
    )
