"""The base class of every route: authentication, authorization, JSON errors, worker threads."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..errors import UcdhError, bad_request, translate
from ..services import UcdhServices

T = TypeVar("T")


class UcdhHandler(APIHandler):
    """Every ucdh-jupyter route derives from this.

    ``auth_resource`` lets an authorizer grant or refuse the whole extension;
    each verb is decorated with ``@web.authenticated`` and ``@authorized``.
    """

    auth_resource = "ucdh-jupyter"

    @property
    def services(self) -> UcdhServices:
        """The service container built at load time."""
        return cast(UcdhServices, self.settings["ucdh"])

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking (boto3) call on the worker pool and translate its errors."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.services.executor, lambda: fn(*args, **kwargs))
        except UcdhError:
            raise
        except Exception as exc:
            error = translate(exc, self.services.config.profile)
            if error.status == 500:
                self.log.exception("ucdh-jupyter: unexpected error")
            else:
                self.log.warning("ucdh-jupyter: %s (%s)", error.message, error.code)
            raise error from exc

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object, or a 400."""
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError as exc:
            raise bad_request("The request body is not valid JSON.") from exc
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        return body

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Errors are JSON ``{message, code, hint}``; never a stack trace."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, UcdhError):
            self.set_status(exc.status)
            body = exc.to_json()
        elif isinstance(exc, web.HTTPError):
            body = {
                "message": exc.log_message or self._reason,
                "code": f"http_{exc.status_code}",
                "hint": "Sign in to Jupyter again." if status_code in (401, 403) else "",
            }
        else:
            self.set_status(500)
            body = {
                "message": "Unexpected server error.",
                "code": "internal_error",
                "hint": "The Jupyter server log has the details.",
            }
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Expected errors are logged in one line, without a traceback."""
        if isinstance(value, UcdhError):
            return
        super().log_exception(typ, value, tb)
