"""The base class of every route: authentication, authorization, JSON errors, worker threads."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from ..errors import UcdhError, bad_request, feature_disabled, log_unexpected, translate
from ..services import UcdhServices

if TYPE_CHECKING:
    from pydantic import BaseModel

T = TypeVar("T")
M = TypeVar("M", bound="BaseModel")

# jupyter_server's own login (a shared token or password) names nobody: it invents an
# anonymous user per browser session, or per request for API calls.
ANONYMOUS_LOGINS = (IdentityProvider, PasswordIdentityProvider)
# Deeper JSON than this is no request of ours (and Python's parser would recurse on it).
MAX_BODY_DEPTH = 16
ASCII_DIGITS = re.compile(r"[0-9]{1,9}")


def _check_json(value: Any, path: str = "body", depth: int = 0) -> None:
    """Refuse NUL characters anywhere (no name or path of ours may hold one, and the
    file system would fail on them) and nesting deeper than :data:`MAX_BODY_DEPTH`."""
    if depth > MAX_BODY_DEPTH:
        raise bad_request(f"The request body is nested deeper than {MAX_BODY_DEPTH} levels.")
    if isinstance(value, str):
        if "\x00" in value:
            raise bad_request(f"{path} contains a NUL character.", "Remove it and send again.")
    elif isinstance(value, dict):
        for name, item in value.items():
            _check_json(name, path, depth + 1)
            _check_json(item, f"{name}" if path == "body" else f"{path}.{name}", depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]", depth + 1)


class UcdhHandler(APIHandler):
    """Every ucdh-jupyter route derives from this.

    ``auth_resource`` lets an authorizer grant or refuse the whole extension;
    each verb is decorated with ``@web.authenticated`` and ``@authorized``.
    """

    auth_resource = "ucdh-jupyter"
    # The admin feature switch (UcdhConfig.enable_<feature>) this route belongs to.
    feature: str | None = None

    async def prepare(self) -> None:  # type: ignore[override]
        """Login first; then a route of a switched-off feature answers 403
        ``feature_disabled`` for every verb, before anything else is read."""
        await super().prepare()
        if self._finished or not self.current_user or self.feature is None:
            return
        if not getattr(self.services.config, f"enable_{self.feature}"):
            raise feature_disabled(self.feature)

    @property
    def owner(self) -> str:
        """Whose runs and jobs a request sees: the logged-in user when the login names
        people (JupyterHub, a custom identity provider), else the server's account."""
        if type(self.identity_provider) in ANONYMOUS_LOGINS:
            from ..runs.user import server_account

            return server_account()
        return str(self.current_user.username)

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
            # Neither the message nor the traceback text: AWS and Python messages quote keys.
            if error.status == 500:
                log_unexpected(self.log, exc, "unexpected error")
            else:
                self.log.warning("ucdh-jupyter: %s (%s)", error.code, error.status)
            raise error from exc

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object, or a 400 (bad JSON, too deep, a NUL)."""
        try:
            body = json.loads(self.request.body or b"{}")
        except (ValueError, RecursionError) as exc:
            raise bad_request("The request body is not valid JSON.") from exc
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        _check_json(body)
        return body

    def parse_body(self, model: type[M]) -> M:
        """The request body parsed strictly as ``model`` (a 400 naming the field)."""
        from ..contract import parse

        return parse(model, self.json_body())

    def reply(self, model: type[BaseModel], data: Any, status: int | None = None) -> None:
        """Finish with ``data`` as the JSON body ``model`` describes: a field the model
        does not declare, or of another type, is a 500 (see :func:`..contract.reply`)."""
        from ..contract import reply

        body = reply(model, data)
        if status is not None:
            self.set_status(status)
        self.finish(body)

    def query(self, name: str, default: str | None = None) -> str | None:
        """A query parameter exactly as sent (UTF-8, no NUL), or ``default``."""
        values = self.request.query_arguments.get(name)
        if not values:
            return default
        try:
            value = values[-1].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise bad_request(f"The parameter {name!r} is not valid UTF-8.") from exc
        if "\x00" in value:
            raise bad_request(f"The parameter {name!r} contains a NUL character.")
        return value

    def query_int(self, name: str, default: int, low: int, high: int) -> int:
        """A whole-number query parameter in ``low..high`` (ASCII digits only: ``²`` is
        a digit to Python but no number), or a 400 naming it."""
        text = self.query(name)
        if text is None or text == "":
            return default
        if not ASCII_DIGITS.fullmatch(text) or not low <= int(text) <= high:
            raise bad_request(f"{name} must be a whole number between {low} and {high}.")
        return int(text)

    # -- audit log (see ucdh_jupyter.audit) ------------------------------------------

    _audit_reply: dict[str, Any] | None = None
    _audit_code: str | None = None
    _audit_done = False

    def audit_extra(self, **fields: Any) -> None:
        """Add names or figures (never content) to this request's audit record."""
        if "_audit_fields" not in self.__dict__:
            self._audit_fields: dict[str, Any] = {}
        self._audit_fields.update(fields)

    def finish(self, *args: Any, **kwargs: Any) -> Any:
        """Finish as jupyter_server does, then write the request's audit record (one per
        request that may change something or hands out content; not in ``on_finish``,
        which handlers override for their own clean-up)."""
        if args and isinstance(args[0], dict):
            self._audit_reply = args[0]
        future = super().finish(*args, **kwargs)
        self._write_audit(self.get_status())
        return future

    def on_connection_close(self) -> None:
        """A client gone mid-request (an upload, a download) is recorded too, unless the
        handler still finishes shortly (a client may close as soon as it has every byte)."""
        if not self._finished:
            from tornado.ioloop import IOLoop

            IOLoop.current().call_later(2.0, self._write_audit, 499, "client_closed")
        super().on_connection_close()

    def _write_audit(self, status: int, code: str | None = None) -> None:
        from ..audit import audited, request_fields

        prefix = url_path_join(self.base_url, "ucdh-jupyter/")
        route = self.request.path[len(prefix) :] if self.request.path.startswith(prefix) else ""
        if self._audit_done or not audited(self.request.method or "", route):
            return
        self._audit_done = True
        try:
            services = self.settings.get("ucdh")
            fields = request_fields(
                user=self.owner if self.current_user else None,
                client_ip=self.request.remote_ip,
                user_agent=self.request.headers.get("User-Agent"),
                method=self.request.method or "",
                route=route,
                status=status,
                code=code or (self._audit_code if status >= 400 else None),
                body=self.request.body,
                query=self.request.query_arguments,
                path_id=self.path_args[0] if self.path_args else None,
                reply=self._audit_reply if status < 400 else None,
                extra=self.__dict__.get("_audit_fields", {}),
            )
            if services is not None:
                services.audit.request(fields)
        except Exception as exc:  # the audit must never break a request; say so without content
            log_unexpected(self.log, exc, "could not write an audit record")

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
        self._audit_code = body["code"]
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        """Expected errors are logged in one line, without a traceback; no line carries
        the query string or an exception's text (both can hold object keys)."""
        if isinstance(value, UcdhError):
            return
        if isinstance(value, web.HTTPError):
            self.log.warning(
                "ucdh-jupyter: %s %s %s", value.status_code, self.request.method, self.request.path
            )
            return
        log_unexpected(self.log, value, f"{self.request.method} {self.request.path}")
