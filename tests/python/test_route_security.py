"""Every registered ucdh-jupyter route refuses anonymous and unauthorized callers.

The routes are enumerated from the running server, so a route added later
without ``@web.authenticated`` / ``@authorized`` fails here automatically.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from ucdh_jupyter.handlers.base import UcdhHandler

from .conftest import DenyUcdhAuthorizer, server_settings

VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def registered_routes(web_app: Any) -> list[tuple[str, type]]:
    """(concrete path, handler class) for every ucdh-jupyter rule in the tornado app."""
    found = []
    for host_rule in web_app.default_router.rules:
        for rule in getattr(host_rule.target, "rules", []):
            pattern = rule.matcher.regex.pattern.rstrip("$")
            if "ucdh-jupyter" not in pattern:
                continue
            # Fill every capture group with a harmless sample value.
            path = re.sub(r"\((?:\?P<\w+>)?[^)]*\)", "sample", pattern)
            found.append((path, rule.target))
    return found


def implemented_verbs(handler: type) -> list[str]:
    """The HTTP verbs a handler class really implements (not tornado's defaults)."""
    return [
        verb
        for verb in VERBS
        if getattr(handler, verb.lower()) is not getattr(UcdhHandler.__mro__[-2], verb.lower())
    ]


async def call_route(jp_fetch: Any, path: str, verb: str) -> Any:
    """Call ``path`` (relative to the base URL) with ``verb`` and the smallest body."""
    return await jp_fetch(
        path,
        method=verb,
        body=b"{}" if verb in ("POST", "PUT", "PATCH") else None,
        allow_nonstandard_methods=True,
        raise_error=False,
    )


def test_every_route_uses_the_base_handler(jp_serverapp: Any) -> None:
    routes = registered_routes(jp_serverapp.web_app)
    assert {path.rsplit("/", 1)[-1] for path, _ in routes} >= {"status", "config"}
    for path, handler in routes:
        assert issubclass(handler, UcdhHandler), path


async def test_every_route_refuses_an_anonymous_request(
    jp_serverapp: Any, http_server_client: Any
) -> None:
    # Given a server where unauthenticated access is off
    client = http_server_client
    for path, handler in registered_routes(jp_serverapp.web_app):
        for verb in implemented_verbs(handler):
            # When a request comes without a token or cookie
            response = await client.fetch(
                path,
                method=verb,
                body=b"{}" if verb in ("POST", "PUT", "PATCH") else None,
                raise_error=False,
                follow_redirects=False,
            )
            # Then it is refused and carries no data
            assert response.code in (401, 403), (verb, path, response.code)
            assert b"arn:aws" not in response.body


@pytest.fixture
def jp_server_config(aws_env: Any, ucdh_config: dict[str, Any]) -> dict[str, Any]:
    """A logged-in user whom the authorizer refuses the ucdh-jupyter resource."""
    return server_settings(ucdh_config, authorizer_class=DenyUcdhAuthorizer)


async def test_every_route_refuses_a_user_the_authorizer_denies(
    jp_serverapp: Any, jp_fetch: Any, jp_base_url: str
) -> None:
    for path, handler in registered_routes(jp_serverapp.web_app):
        relative = path[len(jp_base_url) :]
        for verb in implemented_verbs(handler):
            response = await call_route(jp_fetch, relative, verb)
            assert response.code == 403, (verb, path, response.code)
