"""The kernel's way to the Jupyter server: every magic, widget and ``open_s3`` call goes
through the server's own routes, so a notebook is bound by exactly the server's policy
(allow-list, runs-location privacy, limits, per-user caps, feature switches, audit log),
whatever way the administrator gave the settings.

The server extension publishes its URL (base URL included) and a token in the
environment its kernels inherit (``UCDH_JUPYTER_SERVER_URL`` /
``UCDH_JUPYTER_SERVER_TOKEN`` / ``UCDH_JUPYTER_SERVER_ROOT``); under JupyterHub
``JUPYTERHUB_API_TOKEN`` serves as the token. Without them, the runtime file
(``jpserver-*.json``) of a running server holding the working directory is used.

One error face: a non-2xx reply becomes a :class:`~ucdh_jupyter.errors.UcdhError` from
its JSON body. The token is sent in a header only: never in a URL, a message or a log.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import UcdhError

ENV_URL = "UCDH_JUPYTER_SERVER_URL"
ENV_TOKEN = "UCDH_JUPYTER_SERVER_TOKEN"  # noqa: S105 - a name
ENV_ROOT = "UCDH_JUPYTER_SERVER_ROOT"
ENV_HUB_TOKEN = "JUPYTERHUB_API_TOKEN"  # noqa: S105 - a name
NAMESPACE = "ucdh-jupyter/"
# Long enough for a slow AWS answer relayed by the server; a stream read has its own pace.
TIMEOUT_SECONDS = 120.0
CHUNK = 1024 * 1024

NO_SERVER_HINT = (
    "Use this from a notebook of a JupyterLab with ucdh-jupyter, or set "
    f"{ENV_URL} and {ENV_TOKEN} to reach one."
)


def no_server(reason: str) -> UcdhError:
    """The one-line error of a kernel that cannot reach its Jupyter server."""
    return UcdhError(503, "no_server", reason, NO_SERVER_HINT)


def _running_servers() -> list[dict[str, Any]]:
    """The runtime files of the Jupyter servers running as this user."""
    from jupyter_core.paths import jupyter_runtime_dir

    found = []
    for info_file in Path(jupyter_runtime_dir()).glob("jpserver-*.json"):
        try:
            info = json.loads(info_file.read_text())
            os.kill(int(info["pid"]), 0)  # a file left by a server that died is no server
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(info, dict) and info.get("url") and info.get("root_dir"):
            found.append(info)
    return found


def _holding_server(cwd: Path) -> dict[str, Any] | None:
    """The running server whose root holds ``cwd`` most closely, if any."""
    best: tuple[int, dict[str, Any]] | None = None
    for info in _running_servers():
        root = Path(info["root_dir"]).resolve()
        if (root == cwd or root in cwd.parents) and (best is None or len(root.parts) > best[0]):
            best = (len(root.parts), info)
    return best[1] if best else None


@dataclass
class ServerClient:
    """A small HTTP client of the ucdh-jupyter routes of one Jupyter server."""

    url: str
    token: str = field(default="", repr=False)
    root: Path | None = None
    _xsrf: str = field(default_factory=lambda: secrets.token_hex(16), repr=False)

    @classmethod
    def discover(
        cls, environ: Mapping[str, str] = os.environ, cwd: Path | None = None
    ) -> ServerClient:
        """The server this kernel belongs to: the published one, else a running one whose
        root holds the working directory; a one-line error when there is none."""
        if environ.get(ENV_URL):
            token = environ.get(ENV_TOKEN) or environ.get(ENV_HUB_TOKEN) or ""
            root = environ.get(ENV_ROOT)
            return cls(environ[ENV_URL], token, Path(root).resolve() if root else None)
        info = _holding_server((cwd or Path.cwd()).resolve())
        if info is None:
            raise no_server("No Jupyter server with ucdh-jupyter was found for this kernel.")
        token = str(info.get("token") or environ.get(ENV_HUB_TOKEN) or "")
        return cls(str(info["url"]), token, Path(info["root_dir"]).resolve())

    def _url(self, path: str, query: Mapping[str, Any] | None = None) -> str:
        base = self.url if self.url.endswith("/") else self.url + "/"
        url = base + NAMESPACE + path
        given = {k: str(v) for k, v in (query or {}).items() if v is not None}
        return f"{url}?{urllib.parse.urlencode(given)}" if given else url

    def open(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        data: IO[bytes] | bytes | Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send a request; the open response (read it, then close it). ``body`` is sent
        as JSON, ``data`` as raw bytes (a file is streamed, never read whole)."""
        # Imported here: the server imports this module at start for its names only.
        import http.client
        import urllib.error
        import urllib.request

        sent = {"Accept": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"token {self.token}"
        else:
            # A server without a token (behind an authenticating proxy, or galata's)
            # checks XSRF on every change: a client that is no browser sends the same
            # value as cookie and header (tornado's double-submit check).
            sent["Cookie"] = f"_xsrf={self._xsrf}"
            sent["X-XSRFToken"] = self._xsrf
        payload: Any = data
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310 - our own server's http(s) URL
            self._url(path, query), data=payload, headers=sent, method=method
        )
        try:
            return urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)  # noqa: S310
        except urllib.error.HTTPError as reply:
            with reply, self.transport():
                raise error_from_reply(reply.code, reply.read()) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise self.unreachable(exc) from None

    def unreachable(self, exc: BaseException) -> UcdhError:
        """The one line of a request that got no (whole) answer: refused, timed out, cut."""
        reason = getattr(exc, "reason", None) or exc
        if isinstance(reason, TimeoutError):
            what = f"did not answer within {TIMEOUT_SECONDS:g} s"
        else:
            what = f"cannot be reached ({reason or type(reason).__name__})"
        return no_server(f"The Jupyter server at {self.shown_url} {what}.")

    @contextmanager
    def transport(self) -> Iterator[None]:
        """Reading a reply: a connection lost midway is the same one line as no answer."""
        import http.client

        try:
            yield
        except (OSError, http.client.HTTPException) as exc:
            raise self.unreachable(exc) from None

    @property
    def shown_url(self) -> str:
        """The server's URL as it may be shown: no query, no user info."""
        parts = urllib.parse.urlsplit(self.url)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"

    def call(
        self, method: str, path: str, query: Mapping[str, Any] | None = None, **sent: Any
    ) -> Any:
        """Send a request (the arguments of :meth:`open`) and return its JSON reply."""
        with self.open(method, path, query, **sent) as reply, self.transport():
            text = reply.read()
        try:
            return json.loads(text) if text else {}
        except ValueError:
            raise UcdhError(
                502,
                "bad_reply",
                f"The Jupyter server at {self.shown_url} answered {path} with no JSON.",
                "Is ucdh-jupyter enabled there? `jupyter server extension list` says.",
            ) from None

    def get(self, path: str, **query: Any) -> Any:
        """``GET`` a route with ``query``; its JSON reply."""
        return self.call("GET", path, query)

    def post(self, path: str, body: Any = None) -> Any:
        """``POST`` a JSON body to a route; its JSON reply."""
        return self.call("POST", path, body=body if body is not None else {})

    def stream(
        self, path: str, query: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> Iterator[bytes]:
        """The body of a ``GET`` in chunks, never held whole; an answer cut short is an
        error (``http.client`` ends a cut body silently: a download would look whole)."""
        with self.open("GET", path, query, headers=headers) as reply:
            length = reply.headers.get("Content-Length")
            received = 0
            while True:
                with self.transport():
                    chunk = reply.read(CHUNK)
                if not chunk:
                    break
                received += len(chunk)
                yield chunk
        if length and length.isdigit() and received < int(length):
            raise no_server(
                f"The Jupyter server at {self.shown_url} cannot be reached "
                f"(the answer stopped after {received} of {length} bytes)."
            )

    def features(self) -> dict[str, bool]:
        """Which features the administrator switched on (``GET config``)."""
        return {name: bool(on) for name, on in self.get("config")["features"].items()}


def error_from_reply(status: int, body: bytes) -> UcdhError:
    """A failed reply as the server's own ``{message, code, hint}``."""
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        parsed = {}
    if not isinstance(parsed, dict):
        parsed = {}
    message = str(parsed.get("message") or f"The Jupyter server answered {status}.")
    return UcdhError(
        status, str(parsed.get("code") or f"http_{status}"), message, str(parsed.get("hint") or "")
    )


_lock = threading.Lock()
_client: ServerClient | None = None


def kernel_client() -> ServerClient:
    """This kernel's client, found on first use and shared by every magic and widget."""
    global _client
    with _lock:
        if _client is None:
            _client = ServerClient.discover()
        return _client


def reset() -> None:
    """Forget the client (the next use looks for the server again)."""
    global _client
    with _lock:
        _client = None
