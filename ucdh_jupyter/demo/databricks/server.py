"""The HTTP face of the stand-in: routes, bearer-token auth and Databricks' error bodies.

``ThreadingHTTPServer`` on 127.0.0.1 only, in a daemon thread: the SDK talks to it over
real HTTP, so the production client code path is what the demo and the tests exercise.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .compute import Compute
from .definitions import JobDefinitions
from .errors import ApiError, flag
from .jobruns import JobRuns
from .jobs import Jobs
from .workspace import Workspace

log = logging.getLogger(__name__)

# A fake personal access token, distinctive so a secret scan can prove it never leaks.
DEMO_DATABRICKS_TOKEN = "dapi-ucdh-demo-token-never-show-5e1a"  # noqa: S105 - fake
DEMO_WORKSPACE_ID = "7474650123456789"
UNAUTHENTICATED = ApiError(401, "UNAUTHENTICATED", "Invalid access token.")

JSON = "application/json"
Route = Callable[[dict[str, str], dict[str, Any]], Any]


@dataclass
class Raw:
    """A non-JSON response body (workspace export with ``direct_download``)."""

    data: bytes
    content_type: str = "application/octet-stream"


class LocalDatabricks:
    """A local Databricks workspace: workspace files, clusters metadata, one-time runs,
    jobs (for-each tasks, schedules) and their runs.

    ``pending_seconds`` is how long a run waits for its "cluster"; ``node_types`` replaces
    the default AWS node types; run scratch directories go under ``workdir`` (a temporary
    directory, removed by :meth:`stop`, when not given). With ``clock_seconds`` a clock
    thread calls :meth:`tick` that often (the demo); tests call :meth:`tick` themselves.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        token: str = DEMO_DATABRICKS_TOKEN,
        user_name: str = "researcher@ucdh.example",
        pending_seconds: float = 2.0,
        node_types: Iterable[dict[str, Any]] | None = None,
        workdir: str | Path | None = None,
        clock_seconds: float | None = None,
    ) -> None:
        self.port = port
        self._token = token
        self.user_name = user_name
        self._own_workdir = workdir is None
        self._workdir = Path(workdir or tempfile.mkdtemp(prefix="ucdh-databricks-"))
        self.workspace = Workspace(user_name)
        self.compute = Compute(node_types)
        self.jobs = Jobs(
            self.workspace,
            self.compute,
            user_name=user_name,
            workspace_id=DEMO_WORKSPACE_ID,
            pending_seconds=pending_seconds,
            workdir=self._workdir,
        )
        self.definitions = JobDefinitions(self.compute, user_name)
        self.job_runs = JobRuns(self.jobs, self.definitions)
        self._clock_seconds = clock_seconds
        self._clock_stop = threading.Event()
        self._server: _Server | None = None
        self._routes = self._build_routes()

    @property
    def host(self) -> str:
        """The workspace URL to give the SDK as ``host``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        """The personal access token the stand-in accepts."""
        return self._token

    def start(self) -> LocalDatabricks:
        """Listen on 127.0.0.1 (a free port unless one was given); returns at once."""
        self._server = _Server(self, self.port)
        self.port = int(self._server.server_address[1])
        self.jobs.host = self.host
        threading.Thread(
            target=self._server.serve_forever, name="local-databricks", daemon=True
        ).start()
        if self._clock_seconds:
            self._clock_stop.clear()
            threading.Thread(target=self._clock, name="local-databricks-clock", daemon=True).start()
        return self

    def tick(self, now: datetime) -> list[int]:
        """Fire the scheduled jobs due at ``now`` (aware), each once per due time, as
        PERIODIC runs; answers their run ids. The first look at a schedule only starts
        its clock: fire times missed before are not made up for."""
        return self.job_runs.tick(now)

    def _clock(self) -> None:
        while not self._clock_stop.wait(self._clock_seconds):
            try:
                self.tick(datetime.now(timezone.utc))
            except Exception:
                log.exception("local Databricks: the schedule clock failed")

    @property
    def mails(self) -> list[dict[str, Any]]:
        """The e-mails Databricks would have sent (``email_notifications``), never sent."""
        return self.jobs.mails

    def stop(self) -> None:
        """Cancel the runs still going (their papermill is stopped), stop serving, clean up."""
        self._clock_stop.set()
        self.jobs.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._own_workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """For tests: True once every run has finished, False if not within ``timeout``."""
        return self.jobs.wait_idle(timeout)

    def __enter__(self) -> LocalDatabricks:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def handle(
        self, method: str, path: str, query: dict[str, str], body: dict[str, Any], auth: str
    ) -> Any:
        """Authenticate and route one request; raises :class:`ApiError` for error answers."""
        if path.startswith("/api/") and not hmac.compare_digest(
            auth.encode(), f"Bearer {self._token}".encode()
        ):
            raise UNAUTHENTICATED
        route = self._routes.get((method, path.rstrip("/")))
        if route is None:
            raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")
        return route(query, body)

    def _me(self) -> dict[str, Any]:
        name = self.user_name.split("@")[0].replace(".", " ").title()
        return {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "6541230987654321",
            "userName": self.user_name,
            "displayName": name,
            "name": {"givenName": name},
            "active": True,
            "emails": [{"value": self.user_name, "type": "work", "primary": True}],
        }

    def _host_metadata(self) -> dict[str, Any]:
        # oidc_endpoint only sets where OAuth would look: a token in the config still
        # selects PAT auth, which is the only auth this stand-in accepts.
        return {
            "oidc_endpoint": f"{self.host}/oidc",
            "workspace_id": DEMO_WORKSPACE_ID,
            "cloud": "AWS",
        }

    def _export(self, query: dict[str, str]) -> Any:
        data, file_type = self.workspace.export(query.get("path"), query.get("format"))
        if flag(query.get("direct_download")):
            return Raw(data)
        return {"content": base64.b64encode(data).decode(), "file_type": file_type}

    def _build_routes(self) -> dict[tuple[str, str], Route]:
        ws, jobs, compute, defs = self.workspace, self.jobs, self.compute, self.definitions

        # Workspace writes answer ``{}``; an empty listing is ``{}`` too, as on Databricks.
        def mkdirs(query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
            ws.mkdirs(body.get("path"))
            return {}

        def import_(query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
            overwrite = flag(body.get("overwrite"))
            path, content, fmt, language = (
                body.get(name) for name in ("path", "content", "format", "language")
            )
            ws.import_(path, content, fmt, language, overwrite)
            return {}

        def delete(query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
            ws.delete(body.get("path"), flag(body.get("recursive")))
            return {}

        def listing(query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
            objects = ws.list(query.get("path"))
            return {"objects": objects} if objects else {}

        return {
            ("GET", "/.well-known/databricks-config"): lambda q, b: self._host_metadata(),
            ("GET", "/api/2.0/preview/scim/v2/Me"): lambda q, b: self._me(),
            ("POST", "/api/2.0/workspace/mkdirs"): mkdirs,
            ("POST", "/api/2.0/workspace/import"): import_,
            ("GET", "/api/2.0/workspace/export"): lambda q, b: self._export(q),
            ("GET", "/api/2.0/workspace/get-status"): lambda q, b: ws.get_status(q.get("path")),
            ("GET", "/api/2.0/workspace/list"): listing,
            ("POST", "/api/2.0/workspace/delete"): delete,
            ("GET", "/api/2.1/clusters/spark-versions"): lambda q, b: compute.spark_versions(),
            ("GET", "/api/2.1/clusters/list-node-types"): lambda q, b: compute.list_node_types(),
            ("POST", "/api/2.2/jobs/runs/submit"): lambda q, b: jobs.submit(b),
            ("GET", "/api/2.2/jobs/runs/get"): lambda q, b: jobs.get(q.get("run_id"), q),
            ("GET", "/api/2.2/jobs/runs/get-output"): lambda q, b: jobs.get_output(q.get("run_id")),
            ("POST", "/api/2.2/jobs/runs/cancel"): lambda q, b: jobs.cancel(b.get("run_id")),
            ("GET", "/api/2.2/jobs/runs/export"): lambda q, b: jobs.export(
                q.get("run_id"), q.get("views_to_export")
            ),
            ("GET", "/api/2.2/jobs/runs/list"): lambda q, b: jobs.list(q),
            ("POST", "/api/2.2/jobs/runs/cancel-all"): lambda q, b: jobs.cancel_all(b),
            ("POST", "/api/2.2/jobs/create"): lambda q, b: defs.create(b),
            ("GET", "/api/2.2/jobs/get"): lambda q, b: defs.get(q.get("job_id")),
            ("GET", "/api/2.2/jobs/list"): lambda q, b: defs.list(q),
            ("POST", "/api/2.2/jobs/update"): lambda q, b: defs.update(b),
            ("POST", "/api/2.2/jobs/reset"): lambda q, b: defs.reset(b),
            ("POST", "/api/2.2/jobs/delete"): lambda q, b: defs.delete(b.get("job_id")),
            ("POST", "/api/2.2/jobs/run-now"): lambda q, b: self.job_runs.run_now(b),
        }


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's session expects

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, format: str, *args: Any) -> None:
        # The request line only: headers (the token) are never logged.
        log.debug("local Databricks: " + format, *args)

    def _body(self) -> dict[str, Any]:
        data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "multipart/" in (self.headers.get("Content-Type") or ""):
            raise ApiError(400, "MALFORMED_REQUEST", "Send content as base64 JSON, not multipart.")
        try:
            body = json.loads(data) if data.strip() else {}
        except ValueError as exc:
            raise ApiError(400, "MALFORMED_REQUEST", "Invalid JSON given in the body.") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "MALFORMED_REQUEST", "The request body must be a JSON object.")
        return body

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {name: values[-1] for name, values in parse_qs(url.query).items()}
        try:
            body = self._body()
            auth = self.headers.get("Authorization") or ""
            result = self.server.app.handle(method, url.path, query, body, auth)
        except ApiError as error:
            self._send(error.status, error.body())
            return
        except Exception as exc:
            log.exception("local Databricks: %s %s failed", method, url.path)
            failure = ApiError(500, "INTERNAL_ERROR", f"The local workspace failed: {exc}")
            self._send(500, failure.body())
            return
        self._send(200, result)

    def _send(self, status: int, result: Any) -> None:
        body = result if isinstance(result, Raw) else Raw(json.dumps(result).encode(), JSON)
        self.send_response(status)
        self.send_header("Content-Type", body.content_type)
        self.send_header("Content-Length", str(len(body.data)))
        self.send_header("x-databricks-org-id", DEMO_WORKSPACE_ID)
        self.end_headers()
        self.wfile.write(body.data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: LocalDatabricks, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.app = app
